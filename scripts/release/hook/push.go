package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/lwa-go/lwa/packager/tag"
	"github.com/lwa-go/lwa/scripts/release/internal/cli"
)

type pushConfig struct {
	dist, version, epoch string
	image, imageTag      string
	extraTags            stringList
	// artifact and runFor: goreleaser runs a custom publisher once per artifact it matches, and
	// always matches several; the push happens only for the one named by runFor.
	artifact, runFor string
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func parsePush(args []string, stderr io.Writer) (pushConfig, error) {
	var cfg pushConfig
	fs := cli.NewFlagSet("push", stderr)
	fs.StringVar(&cfg.dist, "dist", "", "goreleaser's dist directory")
	fs.StringVar(&cfg.version, "version", "", "the release version (goreleaser's .Version)")
	fs.StringVar(&cfg.epoch, "source-date-epoch", "", "Unix time of the release commit")
	fs.StringVar(&cfg.image, "image", "", "image repository, e.g. ghcr.io/lwa-go/lambda-adapter")
	fs.StringVar(&cfg.imageTag, "image-tag", "", "image tag (default: --version)")
	fs.Var(&cfg.extraTags, "extra-tag", "another tag for the same digest (repeatable)")
	fs.StringVar(&cfg.artifact, "artifact", "", "the artifact goreleaser runs the publisher for")
	fs.StringVar(&cfg.runFor, "run-for", "", "push only when --artifact is this name (default: always)")
	if err := fs.Parse(args); err != nil {
		return pushConfig{}, err
	}
	if err := cli.Required(fs, "dist", "version", "source-date-epoch", "image"); err != nil {
		return pushConfig{}, err
	}
	if cfg.imageTag == "" {
		// The version as a tag, with lwa-pack's one mapping (+ becomes _).
		t, err := tag.FromVersion(cfg.version)
		if err != nil {
			return pushConfig{}, fmt.Errorf("push: %w", err)
		}
		cfg.imageTag = t
	}
	return cfg, nil
}

// pushStep pushes the image of the binaries collect recorded, rebuilt by lwa-pack
// (deterministic, so it is the image in dist/image), and fails if the registry's digest is not
// dist/image's.
type pushStep struct {
	cfg pushConfig
	env environment
}

func (pushStep) String() string { return "push" }

// Skip leaves the push to the one artifact named by --run-for.
func (p pushStep) Skip() (bool, string) {
	if p.cfg.runFor != "" && p.cfg.artifact != p.cfg.runFor {
		return true, fmt.Sprintf("nothing to do for %s (the image is pushed once, for %s)", p.cfg.artifact, p.cfg.runFor)
	}
	return false, ""
}

func (p pushStep) Run(ctx context.Context) error {
	cfg, env := p.cfg, p.env
	s := newState(cfg.dist)
	data, err := os.ReadFile(s.imageFile())
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("push: %s is missing: the build hook did not pack the image", s.imageFile())
	}
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	var rec imageRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return fmt.Errorf("push: %s: %w", s.imageFile(), err)
	}
	bins, err := s.binaries(rec.Platforms)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	if len(bins) != len(rec.Platforms) {
		return fmt.Errorf("push: binaries recorded for %v, want %v", sortedPlatforms(bins), rec.Platforms)
	}
	lwaPack := s.lwaPack()
	if _, err := os.Stat(lwaPack); err != nil {
		if lwaPack, err = buildLwaPack(ctx, s, cfg.version); err != nil {
			return fmt.Errorf("push: %w", err)
		}
	}
	ref := cfg.image + ":" + cfg.imageTag
	args := []string{"image", "--version", cfg.version, "--source-date-epoch", cfg.epoch, "--push", ref}
	for _, t := range cfg.extraTags {
		args = append(args, "--tag", t)
	}
	args = append(args, binaryArgs(bins)...)
	args = append(args, revisionArgs(rec.Commit)...)
	var ir imageReport
	if err := runLwaPack(ctx, lwaPack, &ir, args...); err != nil {
		return fmt.Errorf("push: %w", err)
	}
	if ir.Digest != rec.Digest {
		return fmt.Errorf("push: pushed %s with digest %s, but dist/image has %s: the image is not reproducible", ref, ir.Digest, rec.Digest)
	}
	env.Logf("pushed %s@%s (tags: %s)", ref, ir.Digest, strings.Join(append([]string{cfg.imageTag}, cfg.extraTags...), ", "))
	return nil
}
