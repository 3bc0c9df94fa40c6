//go:build e2e

package releasetest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

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
