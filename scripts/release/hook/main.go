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

	"github.com/lwa-go/lwa/scripts/release/internal/cli"
)

// name prefixes the command's log lines and errors.
const name = "release hook"

func main() { cli.Main(name, usage, commands()) }

// environment is what the process gives the commands (tests give their own).
type environment = cli.Env

const usage = `usage: go run ./scripts/release/hook COMMAND [flags]

commands:
  collect   record one adapter binary; pack all of them once the set is complete
  sign      sign a file with gpg if GPG_FINGERPRINT is set
  push      push the adapter image built from the recorded binaries
`

// commands is each subcommand's run: parse its flags, then do it.
func commands() cli.Commands {
	return cli.Commands{
		"collect": func(ctx context.Context, args []string, env environment) error {
			cfg, err := parseCollect(args, env.Stderr)
			if err != nil {
				return err
			}
			return runSteps(ctx, env, collectSteps(cfg, env)...)
		},
		"sign": func(ctx context.Context, args []string, env environment) error {
			cfg, err := parseSign(args, env.Stderr)
			if err != nil {
				return err
			}
			return runSteps(ctx, env, signStep{cfg: cfg, env: env})
		},
		"push": func(ctx context.Context, args []string, env environment) error {
			cfg, err := parsePush(args, env.Stderr)
			if err != nil {
				return err
			}
			return runSteps(ctx, env, pushStep{cfg: cfg, env: env})
		},
	}
}

// run calls the subcommand args[0] names, as main does.
func run(ctx context.Context, args []string, env environment) error {
	return cli.Run(ctx, args, env, usage, commands())
}
