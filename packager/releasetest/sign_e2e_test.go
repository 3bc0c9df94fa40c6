//go:build e2e

package releasetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// checkSignedRerun releases the same commit again, from another clone and with a signing key (a
// throwaway one made here): the signs entry must produce SHA256SUMS.sig, a valid signature of
// SHA256SUMS; SHA256SUMS must not list it (goreleaser v2.15.x does unless checksum.ids is
// restricted), and must be identical to the first run's: every published file is reproducible.
func checkSignedRerun(t *testing.T, first release) {
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Fatalf("gpg not found in PATH: the signed release test needs it (apt-get install gnupg)")
	}
	gnupgHome := throwawayKeyring(t)
	fpr := generateKey(t, gnupgHome)
	t.Logf("signing key %s", fpr)

	work := cloneHead(t)
	env := append(releaseEnv(os.Environ()), "GNUPGHOME="+gnupgHome, "GPG_FINGERPRINT="+fpr)
	r := snapshot(t, work, env)
	if r.commit != first.commit {
		t.Fatalf("second run released %s, first %s: HEAD moved during the test", r.commit, first.commit)
	}

	checkChecksums(t, r)
	sums := filepath.Join(r.dist, "SHA256SUMS")
	sig := sums + ".sig"
	if _, err := os.Stat(sig); err != nil {
		t.Fatalf("no signature: %v", err)
	}
	run(t, r.dist, env, "gpg", "--batch", "--verify", sig, sums)
	notes, err := os.ReadFile(filepath.Join(r.dist, "release-notes.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(notes), "gpg --verify SHA256SUMS.sig SHA256SUMS") {
		t.Errorf("the release notes of a signed release do not say how to verify the signature")
	}

	a, err := os.ReadFile(filepath.Join(first.dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(sums)
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Errorf("not reproducible: two releases of %s differ:\nfirst:\n%s\nsecond:\n%s", r.commit, a, b)
	}
}

// throwawayKeyring returns an empty GNUPGHOME, and stops the gpg-agent that gpg starts in it
// when the test ends.
func throwawayKeyring(t *testing.T) string {
	t.Helper()
	// A short path: gpg-agent's socket lives in it, and Unix socket paths are limited to ~100 bytes.
	dir, err := os.MkdirTemp("", "lwa-gpg-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd := exec.Command("gpgconf", "--kill", "gpg-agent")
		cmd.Env = append(os.Environ(), "GNUPGHOME="+dir)
		_ = cmd.Run()
		os.RemoveAll(dir)
	})
	return dir
}

// generateKey makes an ed25519 signing key without a passphrase and returns its fingerprint.
func generateKey(t *testing.T, gnupgHome string) string {
	t.Helper()
	env := append(os.Environ(), "GNUPGHOME="+gnupgHome)
	run(t, gnupgHome, env, "gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
		"--quick-gen-key", "lwa release test <release-test@lwa.invalid>", "ed25519", "sign", "never")
	out := run(t, gnupgHome, env, "gpg", "--batch", "--with-colons", "--list-secret-keys")
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Split(line, ":"); len(f) > 9 && f[0] == "fpr" {
			return f[9]
		}
	}
	t.Fatalf("no fingerprint in gpg --list-secret-keys:\n%s", out)
	return ""
}
