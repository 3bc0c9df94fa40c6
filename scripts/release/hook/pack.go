package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lwa-go/lwa/packager/output"
)

// packing is what collect's steps share: goreleaser builds targets concurrently and runs collect
// after each, recording the binary; whichever call sees the complete set and wins the claim
// packs them with lwa-pack: the layer zips and the SAM template go to dist (named as
// goreleaser's checksum and release extra_files expect), the image to dist/image, the release
// notes footer to dist/release-notes.md.
type packing struct {
	cfg     collectConfig
	env     environment
	s       state
	bins    map[string]string // recorded so far, by platform
	won     bool              // this call packs
	lwaPack string
	notes   notes
	image   imageRecord
}

// collectSteps are the collect command's steps, in order.
func collectSteps(cfg collectConfig, env environment) []step {
	p := &packing{cfg: cfg, env: env, s: newState(cfg.dist)}
	return []step{recordStep{p}, claimStep{p}, layerStep{p}, imageStep{p}, notesStep{p}}
}

// complete reports whether every expected platform has a binary.
func (p *packing) complete() bool { return len(p.bins) == len(p.cfg.expect) }

// recordStep records the binary goreleaser just built, and reads which are recorded so far.
type recordStep struct{ *packing }

func (recordStep) String() string       { return "record" }
func (recordStep) Skip() (bool, string) { return false, "" }

func (r recordStep) Run(context.Context) error {
	bin, err := filepath.Abs(r.cfg.binary)
	if err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("collect: %s binary: %w", r.cfg.platform, err)
	}
	if err := r.s.record(r.cfg.platform, bin); err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	if r.bins, err = r.s.binaries(r.cfg.expect); err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	return nil
}

// claimStep makes exactly one of the calls that see the complete set the packer.
type claimStep struct{ *packing }

func (claimStep) String() string { return "collect" }

func (c claimStep) Skip() (bool, string) {
	if !c.complete() {
		return true, fmt.Sprintf("recorded %s; waiting for the other platforms", c.cfg.platform)
	}
	return false, ""
}

func (c claimStep) Run(context.Context) (err error) {
	c.won, err = c.s.claim()
	return err
}

// skipUnlessPacker skips, silently, every packing step of a call that did not win the claim.
func (p *packing) skipUnlessPacker() (bool, string) { return !p.won, "" }

// layerStep builds lwa-pack, writes the layer zips and the SAM template, and moves them to dist.
type layerStep struct{ *packing }

func (layerStep) String() string         { return "layer" }
func (l layerStep) Skip() (bool, string) { return l.skipUnlessPacker() }

func (l layerStep) Run(ctx context.Context) error {
	var err error
	if l.lwaPack, err = buildLwaPack(ctx, l.s, l.cfg.version); err != nil {
		return err
	}
	_, signed := lookupNonEmpty(l.env, gpgFingerprintEnv)
	l.notes = notes{Version: l.cfg.version, Commit: l.cfg.commit, Epoch: l.cfg.epoch, Signed: signed}
	var lr layerReport
	if err := runLwaPack(ctx, l.lwaPack, &lr, append([]string{"layer", "--output", l.s.layerDir()}, l.commonArgs()...)...); err != nil {
		return err
	}
	for _, z := range lr.Layers {
		name := filepath.Base(z.Path)
		if err := os.Rename(z.Path, filepath.Join(l.cfg.dist, name)); err != nil {
			return fmt.Errorf("move %s into %s: %w", name, l.cfg.dist, err)
		}
		l.notes.Layers = append(l.notes.Layers, noteLayer{Platform: z.Platform, Architecture: z.Architecture, File: name, SHA256: z.SHA256})
	}
	if len(l.notes.Layers) != len(l.bins) {
		return fmt.Errorf("lwa-pack layer wrote %d zips for %d binaries", len(l.notes.Layers), len(l.bins))
	}
	if lr.SAMTemplate == "" {
		return fmt.Errorf("lwa-pack layer wrote no SAM template")
	}
	l.notes.Template = samTemplateName(l.cfg.version)
	if err := os.Rename(lr.SAMTemplate, filepath.Join(l.cfg.dist, l.notes.Template)); err != nil {
		return fmt.Errorf("move the SAM template into %s: %w", l.cfg.dist, err)
	}
	return nil
}

// commonArgs are the lwa-pack flags every packing run shares.
func (p *packing) commonArgs() []string {
	args := []string{"--version", p.cfg.version, "--source-date-epoch", p.cfg.epoch}
	return append(args, binaryArgs(p.bins)...)
}

// revisionArgs stamp the image with the release commit: lwa-pack only knows it when it compiles
// from a checkout, not from the prebuilt binaries the release gives it.
func revisionArgs(commit string) []string {
	if commit == "" {
		return nil
	}
	return []string{"--annotation", "org.opencontainers.image.revision=" + commit}
}

// imageStep writes the OCI layout dist/image and records its digest for the push command.
type imageStep struct{ *packing }

func (imageStep) String() string         { return "image" }
func (i imageStep) Skip() (bool, string) { return i.skipUnlessPacker() }

func (i imageStep) Run(ctx context.Context) error {
	ref := i.cfg.image + ":" + i.cfg.imageTag
	var ir imageReport
	layout := filepath.Join(i.cfg.dist, "image")
	args := append([]string{"image", "--output", "oci:" + layout, "--name", ref}, i.commonArgs()...)
	args = append(args, revisionArgs(i.cfg.commit)...)
	if err := runLwaPack(ctx, i.lwaPack, &ir, args...); err != nil {
		return err
	}
	if ir.Digest == "" {
		return fmt.Errorf("lwa-pack image reported no digest")
	}
	i.notes.Image = noteImage{Ref: ref, Digest: ir.Digest}
	for _, img := range ir.Images {
		i.notes.Image.Platforms = append(i.notes.Image.Platforms, img.Platform)
	}
	i.image = imageRecord{Ref: ref, Digest: ir.Digest, Platforms: sortedPlatforms(i.bins), Commit: i.cfg.commit}
	rec, err := json.MarshalIndent(i.image, "", "  ")
	if err != nil {
		return fmt.Errorf("record the image: %w", err)
	}
	if err := output.WriteBytes(i.s.imageFile(), 0o644, rec); err != nil {
		return fmt.Errorf("record the image: %w", err)
	}
	return nil
}

// notesStep writes the release notes footer, dist/release-notes.md.
type notesStep struct{ *packing }

func (notesStep) String() string         { return "notes" }
func (n notesStep) Skip() (bool, string) { return n.skipUnlessPacker() }

func (n notesStep) Run(context.Context) error {
	text, err := n.notes.render()
	if err != nil {
		return err
	}
	if err := output.WriteBytes(filepath.Join(n.cfg.dist, notesFile), 0o644, text); err != nil {
		return fmt.Errorf("write the release notes: %w", err)
	}
	n.env.Logf("packed %s: %d layer zips, %s, image %s@%s", n.cfg.version, len(n.notes.Layers), n.notes.Template, n.image.Ref, n.image.Digest)
	return nil
}

// imageRecord is what the image step leaves for push in the state directory.
type imageRecord struct {
	Ref       string   `json:"ref"`
	Digest    string   `json:"digest"`
	Platforms []string `json:"platforms"`
	// Commit is the release commit, stamped on the image as its revision annotation, so the
	// push rebuilds the same digest.
	Commit string `json:"commit,omitempty"`
}
