package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Environment variables that configure signing.
const (
	// cosignKeyEnv is the private key, as cosign's --key takes it: a file, env://VAR or a KMS URI.
	// Unset or empty: the release is not signed with cosign.
	cosignKeyEnv = "COSIGN_KEY"
	// cosignPasswordEnv unlocks an encrypted key file; cosign reads it itself.
	cosignPasswordEnv = "COSIGN_PASSWORD"
	// cosignBinEnv overrides the cosign command (default: cosign from GOBIN, GOPATH/bin or PATH).
	cosignBinEnv = "COSIGN"
)

// provenanceType is the predicate type cosign records for --type slsaprovenance1
// (https://slsa.dev/provenance/v1); users verify with the same --type.
const provenanceType = "slsaprovenance1"

// cosign runs the cosign CLI with a key pair, offline: --tlog-upload=false on every signature,
// since a key pair is its own trust root and the transparency log needs the internet.
type cosign struct {
	bin, key string
	env      environment
}

// newCosign returns the signer, or ok=false when COSIGN_KEY is not set.
func newCosign(env environment) (c cosign, ok bool, err error) {
	key := env.Get(cosignKeyEnv)
	if key == "" {
		return cosign{}, false, nil
	}
	// A key file or env:// key is encrypted: without the password cosign would ask for it on a
	// terminal the release does not have. KMS keys need none.
	if _, set := env.Lookup(cosignPasswordEnv); !set && (!strings.Contains(key, "://") || strings.HasPrefix(key, "env://")) {
		return cosign{}, false, fmt.Errorf("%s is set but %s is not: set it to the key's password (empty for a key made without one)", cosignKeyEnv, cosignPasswordEnv)
	}
	bin := env.Get(cosignBinEnv)
	if bin == "" {
		if bin, err = findCosign(env); err != nil {
			return cosign{}, false, err
		}
	}
	return cosign{bin: bin, key: key, env: env}, true, nil
}

// findCosign looks where scripts/install-tools.sh installs it, then on PATH.
func findCosign(env environment) (string, error) {
	var dirs []string
	if d := env.Get("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, p := range filepath.SplitList(strings.TrimSpace(string(out))) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	for _, d := range dirs {
		p := filepath.Join(d, "cosign")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	p, err := exec.LookPath("cosign")
	if err != nil {
		return "", fmt.Errorf("%s is set but cosign is not installed: run scripts/install-tools.sh release, or set %s", cosignKeyEnv, cosignBinEnv)
	}
	return p, nil
}

// run runs cosign with args and returns its stdout; the error carries its stderr.
func (c cosign) run(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, c.bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("cosign %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// signBlob writes a base64 signature of file to sig (verify: cosign verify-blob).
func (c cosign) signBlob(ctx context.Context, file, sig string) error {
	_, err := c.run(ctx, "sign-blob", "--yes", "--key", c.key, "--tlog-upload=false", "--output-signature", sig, file)
	return err
}

// attestStatement signs a complete in-toto statement and returns the DSSE envelope (verify: cosign
// verify-blob-attestation with any of its subjects). cosign v2.6's --output-attestation writes the
// unsigned statement when given --statement, so the envelope is taken from stdout.
func (c cosign) attestStatement(ctx context.Context, statement string) ([]byte, error) {
	out, err := c.run(ctx, "attest-blob", "--yes", "--key", c.key, "--tlog-upload=false", "--statement", statement)
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(out, []byte(`"payloadType":"application/vnd.in-toto+json"`)) {
		return nil, fmt.Errorf("cosign attest-blob printed no DSSE envelope:\n%s", out)
	}
	return out, nil
}

// signImage signs ref (repository@digest); recursive also signs every manifest of an index.
func (c cosign) signImage(ctx context.Context, ref string, recursive bool) error {
	args := []string{"sign", "--yes", "--key", c.key, "--tlog-upload=false"}
	if recursive {
		args = append(args, "--recursive")
	}
	_, err := c.run(ctx, append(args, ref)...)
	return err
}

// attest attaches predicate to ref (repository@digest) as a signed SLSA provenance attestation.
func (c cosign) attest(ctx context.Context, ref, predicate string) error {
	_, err := c.run(ctx, "attest", "--yes", "--key", c.key, "--tlog-upload=false",
		"--type", provenanceType, "--predicate", predicate, ref)
	return err
}
