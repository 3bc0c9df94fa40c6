package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// collectConfig is the collect command line.
type collectConfig struct {
	dist, platform, binary string
	expect                 []string
	version, epoch, commit string
	image, imageTag        string
	signed                 bool
}

func parseCollect(args []string, stderr io.Writer) (collectConfig, error) {
	var cfg collectConfig
	var expect string
	fs := newFlagSet("collect", stderr)
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
	if err := required(fs, "dist", "platform", "binary", "expect", "version", "source-date-epoch", "image"); err != nil {
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
		cfg.imageTag = cfg.version
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

// collect records cfg.binary; when every expected platform has a binary, exactly one caller packs
// them. goreleaser builds targets concurrently and calls this after each, so whichever finishes
// last sees the complete set.
func collect(ctx context.Context, cfg collectConfig, env environment) error {
	bin, err := filepath.Abs(cfg.binary)
	if err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("collect: %s binary: %w", cfg.platform, err)
	}
	s := newState(cfg.dist)
	if err := s.record(cfg.platform, bin); err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	bins, err := s.binaries(cfg.expect)
	if err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	if len(bins) < len(cfg.expect) {
		env.logf("recorded %s; waiting for the other platforms", cfg.platform)
		return nil
	}
	won, err := s.claim()
	if err != nil || !won {
		return err
	}
	_, cfg.signed = lookupNonEmpty(env, gpgFingerprintEnv)
	return pack(ctx, cfg, s, bins, env)
}

// imageRecord is what pack leaves for push in the state directory.
type imageRecord struct {
	Ref       string   `json:"ref"`
	Digest    string   `json:"digest"`
	Platforms []string `json:"platforms"`
}

// pack runs lwa-pack on the recorded binaries: the layer zips and the SAM template go to dist
// (named as goreleaser's checksum and release extra_files expect), the image to dist/image, the
// release notes footer to dist/release-notes.md.
func pack(ctx context.Context, cfg collectConfig, s state, bins map[string]string, env environment) error {
	lwaPack, err := buildLwaPack(ctx, s, cfg.version)
	if err != nil {
		return err
	}
	common := []string{"--version", cfg.version, "--source-date-epoch", cfg.epoch}
	common = append(common, binaryArgs(bins)...)

	var lr layerReport
	if err := runLwaPack(ctx, lwaPack, &lr, append([]string{"layer", "--output", s.layerDir()}, common...)...); err != nil {
		return err
	}
	n := notes{Version: cfg.version, Commit: cfg.commit, Epoch: cfg.epoch, Signed: cfg.signed}
	for _, l := range lr.Layers {
		name := filepath.Base(l.Path)
		if err := os.Rename(l.Path, filepath.Join(cfg.dist, name)); err != nil {
			return fmt.Errorf("move %s into %s: %w", name, cfg.dist, err)
		}
		n.Layers = append(n.Layers, noteLayer{Platform: l.Platform, Architecture: l.Architecture, File: name, SHA256: l.SHA256})
	}
	if len(n.Layers) != len(bins) {
		return fmt.Errorf("lwa-pack layer wrote %d zips for %d binaries", len(n.Layers), len(bins))
	}
	if lr.SAMTemplate == "" {
		return fmt.Errorf("lwa-pack layer wrote no SAM template")
	}
	n.Template = samTemplateName(cfg.version)
	if err := os.Rename(lr.SAMTemplate, filepath.Join(cfg.dist, n.Template)); err != nil {
		return fmt.Errorf("move the SAM template into %s: %w", cfg.dist, err)
	}

	ref := cfg.image + ":" + cfg.imageTag
	var ir imageReport
	layout := filepath.Join(cfg.dist, "image")
	if err := runLwaPack(ctx, lwaPack, &ir, append([]string{"image", "--output", "oci:" + layout, "--name", ref}, common...)...); err != nil {
		return err
	}
	if ir.Digest == "" {
		return fmt.Errorf("lwa-pack image reported no digest")
	}
	n.Image = noteImage{Ref: ref, Digest: ir.Digest}
	for _, img := range ir.Images {
		n.Image.Platforms = append(n.Image.Platforms, img.Platform)
	}
	rec, err := json.MarshalIndent(imageRecord{Ref: ref, Digest: ir.Digest, Platforms: sortedPlatforms(bins)}, "", "  ")
	if err != nil {
		return fmt.Errorf("record the image: %w", err)
	}
	if err := writeFileAtomic(s.imageFile(), rec); err != nil {
		return fmt.Errorf("record the image: %w", err)
	}

	text, err := n.render()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(cfg.dist, notesFile), text); err != nil {
		return fmt.Errorf("write the release notes: %w", err)
	}
	env.logf("packed %s: %d layer zips, %s, image %s@%s", cfg.version, len(n.Layers), n.Template, ref, ir.Digest)
	return nil
}

// samTemplateName is the release's name for lwa-pack's template.yaml: a bare template.yaml
// among a release's downloads would say nothing about what it is.
func samTemplateName(version string) string {
	return "lambda-adapter-layer-" + version + "-template.yaml"
}

func lookupNonEmpty(env environment, key string) (string, bool) {
	v, ok := env.lookup(key)
	return v, ok && v != ""
}
