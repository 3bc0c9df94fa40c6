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

	"github.com/lwa-go/lwa/scripts/release/internal/cli"
)

// name prefixes the command's log lines and errors.
const name = "release supplychain"

func main() { cli.Main(name, usage, commands()) }

// environment is what the process gives the commands (tests give their own).
type environment = cli.Env

const usage = `usage: go run ./scripts/release/supplychain COMMAND [flags]

commands:
  sbom        write the SPDX SBOM of one adapter binary
  sign        sign SHA256SUMS and the release provenance with cosign, if COSIGN_KEY is set
  sign-image  sign the pushed image and attach the provenance, if COSIGN_KEY is set
`

// commands is each subcommand's run: parse its flags, then do it.
func commands() cli.Commands {
	return cli.Commands{
		"sbom": func(ctx context.Context, args []string, env environment) error {
			cfg, err := parseSBOM(args, env.Stderr)
			if err != nil {
				return err
			}
			return writeSBOM(cfg)
		},
		"sign": func(ctx context.Context, args []string, env environment) error {
			cfg, err := parseSign(args, env.Stderr)
			if err != nil {
				return err
			}
			return sign(ctx, cfg, env)
		},
		"sign-image": func(ctx context.Context, args []string, env environment) error {
			cfg, err := parseSignImage(args, env.Stderr)
			if err != nil {
				return err
			}
			return signImage(ctx, cfg, env)
		},
	}
}

// run calls the subcommand args[0] names, as main does.
func run(ctx context.Context, args []string, env environment) error {
	return cli.Run(ctx, args, env, usage, commands())
}
