package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/lwa-go/lwa/packager/tag"
	"github.com/lwa-go/lwa/scripts/release/internal/cli"
)

// collectConfig is the collect command line.
type collectConfig struct {
	dist, platform, binary string
	expect                 []string
	version, epoch, commit string
	image, imageTag        string
}

func parseCollect(args []string, stderr io.Writer) (collectConfig, error) {
	var cfg collectConfig
	var expect string
	fs := cli.NewFlagSet("collect", stderr)
	fs.StringVar(&cfg.dist, "dist", "", "goreleaser's dist directory")
	fs.StringVar(&cfg.platform, "platform", "", "the binary's platform, e.g. linux/amd64")
	fs.StringVar(&cfg.binary, "binary", "", "the adapter binary goreleaser just built")
	fs.StringVar(&expect, "expect", "", "comma-separated platforms that make the set complete")
	fs.StringVar(&cfg.version, "version", "", "the release version (goreleaser's .Version)")
	fs.StringVar(&cfg.epoch, "source-date-epoch", "", "Unix time of the release commit")
	fs.StringVar(&cfg.commit, "commit", "", "the release commit, for the notes")
	fs.StringVar(&cfg.image, "image", "", "image repository, e.g. ghcr.io/lwa-go/lambda-adapter")
	fs.StringVar(&cfg.imageTag, "image-tag", "", "image tag (default: --version)")
	if err := fs.Parse(args); err != nil {
		return collectConfig{}, err
	}
	if err := cli.Required(fs, "dist", "platform", "binary", "expect", "version", "source-date-epoch", "image"); err != nil {
		return collectConfig{}, err
	}
	for _, p := range strings.Split(expect, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(cfg.expect, p) {
			cfg.expect = append(cfg.expect, p)
		}
	}
	if !slices.Contains(cfg.expect, cfg.platform) {
		return collectConfig{}, fmt.Errorf("collect: --platform %s is not in --expect %s", cfg.platform, expect)
	}
	if cfg.imageTag == "" {
		// The version as a tag, with lwa-pack's one mapping (+ becomes _).
		t, err := tag.FromVersion(cfg.version)
		if err != nil {
			return collectConfig{}, fmt.Errorf("collect: %w", err)
		}
		cfg.imageTag = t
	}
	if err := checkGitInfo(cfg.epoch, cfg.commit); err != nil {
		return collectConfig{}, fmt.Errorf("collect: %w", err)
	}
	return cfg, nil
}

// checkGitInfo refuses the placeholders goreleaser uses when it could not read git: packing with
// them would stamp the artifacts with year 1 (clamped to 1980) instead of the commit time.
func checkGitInfo(epoch, commit string) error {
	sec, err := strconv.ParseInt(epoch, 10, 64)
	if err == nil && sec > 0 && commit != "none" {
		return nil
	}
	return fmt.Errorf("goreleaser has no commit information (commit %q, time %q): in a snapshot it "+
		"drops all of it when the repository has no git remote; run it through "+
		"scripts/release/goreleaser.sh, which supplies one, or add a remote", commit, epoch)
}

// samTemplateName is the release's name for lwa-pack's template.yaml: a bare template.yaml
// among a release's downloads would say nothing about what it is.
func samTemplateName(version string) string {
	return "lambda-adapter-layer-" + version + "-template.yaml"
}

func lookupNonEmpty(env environment, key string) (string, bool) {
	v, ok := env.Lookup(key)
	return v, ok && v != ""
}
