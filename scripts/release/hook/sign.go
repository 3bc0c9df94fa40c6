package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/lwa-go/lwa/scripts/release/internal/cli"
)

// Environment variables that configure signing.
const (
	// gpgFingerprintEnv names the secret key that signs; unset or empty means no signing.
	gpgFingerprintEnv = "GPG_FINGERPRINT"
	// gpgPassphraseEnv, if set, unlocks the key without a pinentry (CI).
	gpgPassphraseEnv = "GPG_PASSPHRASE"
	// gpgProgramEnv overrides the gpg command.
	gpgProgramEnv = "GPG_PROGRAM"
)

type signConfig struct {
	artifact, signature string
}

func parseSign(args []string, stderr io.Writer) (signConfig, error) {
	var cfg signConfig
	fs := cli.NewFlagSet("sign", stderr)
	fs.StringVar(&cfg.artifact, "artifact", "", "file to sign")
	fs.StringVar(&cfg.signature, "signature", "", "detached signature to write")
	if err := fs.Parse(args); err != nil {
		return signConfig{}, err
	}
	if err := cli.Required(fs, "artifact", "signature"); err != nil {
		return signConfig{}, err
	}
	return cfg, nil
}

// signStep writes a detached gpg signature of cfg.artifact, or nothing when no key is
// configured: goreleaser's open-source edition cannot make a signs entry conditional, so the
// entry always runs and Skip decides.
type signStep struct {
	cfg signConfig
	env environment
}

func (signStep) String() string { return "sign" }

func (s signStep) Skip() (bool, string) {
	if _, ok := lookupNonEmpty(s.env, gpgFingerprintEnv); !ok {
		return true, fmt.Sprintf("%s is not set: not signing %s", gpgFingerprintEnv, s.cfg.artifact)
	}
	return false, ""
}

func (s signStep) Run(ctx context.Context) error {
	cfg, env := s.cfg, s.env
	fp, _ := lookupNonEmpty(env, gpgFingerprintEnv)
	gpg, ok := lookupNonEmpty(env, gpgProgramEnv)
	if !ok {
		gpg = "gpg"
	}
	args := []string{"--batch", "--yes", "--local-user", fp}
	var stdin io.Reader
	if pass, ok := lookupNonEmpty(env, gpgPassphraseEnv); ok {
		args = append(args, "--pinentry-mode", "loopback", "--passphrase-fd", "0")
		stdin = strings.NewReader(pass + "\n")
	}
	args = append(args, "--output", cfg.signature, "--detach-sign", cfg.artifact)
	cmd := exec.CommandContext(ctx, gpg, args...)
	cmd.Stdin = stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("sign %s with key %s: %s: %w\n%s", cfg.artifact, fp, gpg, err, strings.TrimSpace(out.String()))
	}
	env.Logf("signed %s with key %s", cfg.artifact, fp)
	return nil
}
