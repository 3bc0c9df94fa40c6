// Command supplychain is the release's supply-chain step, run by goreleaser (.goreleaser.yaml,
// docs/release.md, docs/verify.md):
//
//	sbom        sboms pipe, once per adapter binary: its SPDX 2.3 SBOM (packager/sbom), the same
//	            bytes `lwa-pack layer` writes beside the zip.
//	sign        signs pipe, for SHA256SUMS: with COSIGN_KEY set, a cosign signature of it and the
//	            SLSA provenance of the release (every file it lists and the image digests in
//	            dist/image), signed as a DSSE envelope; without COSIGN_KEY, nothing.
//	sign-image  publisher, after the image is pushed: with COSIGN_KEY set, cosign signs the index
//	            and every platform manifest and attaches the provenance to each as an attestation.
//
// Signing is offline: nothing goes to a transparency log (the key pair is the trust root).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := environment{lookup: os.LookupEnv, stdout: os.Stdout, stderr: os.Stderr}
	if err := run(ctx, os.Args[1:], env); err != nil {
		fmt.Fprintln(os.Stderr, "release supplychain:", err)
		os.Exit(1)
	}
}

// environment is what the process gives the commands.
type environment struct {
	lookup         func(string) (string, bool)
	stdout, stderr io.Writer
}

func (e environment) logf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "release supplychain: "+format+"\n", args...)
}

func (e environment) get(key string) string {
	v, _ := e.lookup(key)
	return v
}

const usage = `usage: go run ./scripts/release/supplychain COMMAND [flags]

commands:
  sbom        write the SPDX SBOM of one adapter binary
  sign        sign SHA256SUMS and the release provenance with cosign, if COSIGN_KEY is set
  sign-image  sign the pushed image and attach the provenance, if COSIGN_KEY is set
`

func run(ctx context.Context, args []string, env environment) error {
	if len(args) == 0 {
		fmt.Fprint(env.stderr, usage)
		return errors.New("no command")
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "sbom":
		cfg, err := parseSBOM(args, env.stderr)
		if err != nil {
			return err
		}
		return writeSBOM(cfg)
	case "sign":
		cfg, err := parseSign(args, env.stderr)
		if err != nil {
			return err
		}
		return sign(ctx, cfg, env)
	case "sign-image":
		cfg, err := parseSignImage(args, env.stderr)
		if err != nil {
			return err
		}
		return signImage(ctx, cfg, env)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(env.stdout, usage)
		return nil
	}
	fmt.Fprint(env.stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// required fails if any of the named flags is empty, or if arguments are left over.
func required(fs *flag.FlagSet, names ...string) error {
	for _, n := range names {
		if f := fs.Lookup(n); f == nil || f.Value.String() == "" {
			return fmt.Errorf("%s: --%s is required", fs.Name(), n)
		}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}
