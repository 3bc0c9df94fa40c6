// Command hook is the release pipeline's helper, run by goreleaser (see .goreleaser.yaml and
// docs/release.md):
//
//	collect  build post-hook, once per adapter binary: records it; the call that completes the
//	         set packs every binary with lwa-pack into the layer zips, the SAM template, the OCI
//	         image layout dist/image and the release notes footer dist/release-notes.md.
//	sign     signs the checksums file with gpg when GPG_FINGERPRINT is set, else does nothing.
//	push     custom publisher: pushes the image with lwa-pack and checks it has the digest of
//	         dist/image.
//
// It runs lwa-pack, built from the same checkout, so the layer zips are exactly `lwa-pack layer`'s.
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
		fmt.Fprintln(os.Stderr, "release hook:", err)
		os.Exit(1)
	}
}

// environment is what the process gives the commands.
type environment struct {
	lookup         func(string) (string, bool)
	stdout, stderr io.Writer
}

func (e environment) logf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "release hook: "+format+"\n", args...)
}

const usage = `usage: go run ./scripts/release/hook COMMAND [flags]

commands:
  collect   record one adapter binary; pack all of them once the set is complete
  sign      sign a file with gpg if GPG_FINGERPRINT is set
  push      push the adapter image built from the recorded binaries
`

func run(ctx context.Context, args []string, env environment) error {
	if len(args) == 0 {
		fmt.Fprint(env.stderr, usage)
		return errors.New("no command")
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "collect":
		cfg, err := parseCollect(args, env.stderr)
		if err != nil {
			return err
		}
		return runSteps(ctx, env, collectSteps(cfg, env)...)
	case "sign":
		cfg, err := parseSign(args, env.stderr)
		if err != nil {
			return err
		}
		return runSteps(ctx, env, signStep{cfg: cfg, env: env})
	case "push":
		cfg, err := parsePush(args, env.stderr)
		if err != nil {
			return err
		}
		return runSteps(ctx, env, pushStep{cfg: cfg, env: env})
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

// required fails if any of the named flags is empty.
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
