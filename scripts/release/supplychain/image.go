package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/lwa-go/lwa/scripts/release/internal/cli"
	"github.com/lwa-go/lwa/scripts/release/provenance"
)

// releaseImage is the index and per-platform manifests of the release's OCI layout dist/image.
type releaseImage struct {
	index     string            // sha256:<hex>
	platforms map[string]string // "linux/amd64" → sha256:<hex>
}

// readLayout reads the release's index from the layout: the one entry of its index.json.
func readLayout(dir string) (releaseImage, error) {
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return releaseImage{}, fmt.Errorf("%s: not an OCI image layout: %w", dir, err)
	}
	im, err := top.IndexManifest()
	if err != nil {
		return releaseImage{}, fmt.Errorf("%s: %w", dir, err)
	}
	// Besides the index, lwa-pack lists the SBOM referrers (entries with an artifactType).
	var indexes []v1.Descriptor
	for _, m := range im.Manifests {
		if m.ArtifactType == "" {
			indexes = append(indexes, m)
		}
	}
	if len(indexes) != 1 || !indexes[0].MediaType.IsIndex() {
		return releaseImage{}, fmt.Errorf("%s/index.json: want exactly one image index besides SBOMs, found %d entries", dir, len(indexes))
	}
	d := indexes[0].Digest
	idx, err := top.ImageIndex(d)
	if err != nil {
		return releaseImage{}, fmt.Errorf("%s: index %s: %w", dir, d, err)
	}
	children, err := idx.IndexManifest()
	if err != nil {
		return releaseImage{}, fmt.Errorf("%s: index %s: %w", dir, d, err)
	}
	img := releaseImage{index: d.String(), platforms: map[string]string{}}
	for _, m := range children.Manifests {
		if m.Platform == nil || !m.MediaType.IsImage() {
			continue
		}
		img.platforms[m.Platform.String()] = m.Digest.String()
	}
	if len(img.platforms) == 0 {
		return releaseImage{}, fmt.Errorf("%s: index %s has no platform images", dir, d)
	}
	return img, nil
}

// subjects are the provenance subjects of the image: the index under ref, each platform's
// manifest under "ref (platform)".
func (img releaseImage) subjects(ref string) ([]provenance.Resource, error) {
	s, err := provenance.ImageSubject(ref, img.index)
	if err != nil {
		return nil, err
	}
	out := []provenance.Resource{s}
	for p, d := range img.platforms {
		s, err := provenance.ImageSubject(ref+" ("+p+")", d)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// digests are the index's and every platform manifest's.
func (img releaseImage) digests() []string {
	out := []string{img.index}
	for _, d := range img.platforms {
		out = append(out, d)
	}
	return out
}

type signImageConfig struct {
	dist, image      string
	artifact, runFor string
}

func parseSignImage(args []string, stderr io.Writer) (signImageConfig, error) {
	var cfg signImageConfig
	fs := cli.NewFlagSet("sign-image", stderr)
	fs.StringVar(&cfg.dist, "dist", "", "goreleaser's dist directory (holds image/, the OCI layout)")
	fs.StringVar(&cfg.image, "image", "", "the repository the image was pushed to")
	fs.StringVar(&cfg.artifact, "artifact", "", "the artifact goreleaser runs the publisher for")
	fs.StringVar(&cfg.runFor, "run-for", "", "sign only when --artifact is this name (default: always)")
	if err := fs.Parse(args); err != nil {
		return signImageConfig{}, err
	}
	if err := cli.Required(fs, "dist", "image"); err != nil {
		return signImageConfig{}, err
	}
	return cfg, nil
}

// signImage signs the pushed index and its manifests (cosign sign --recursive) and attaches the
// provenance that sign wrote to each of them.
func signImage(ctx context.Context, cfg signImageConfig, env environment) error {
	if cfg.runFor != "" && cfg.artifact != cfg.runFor {
		return nil
	}
	c, ok, err := newCosign(env)
	if err != nil {
		return fmt.Errorf("sign-image: %w", err)
	}
	if !ok {
		env.Logf("sign-image: %s not set: the image is not signed", cosignKeyEnv)
		return nil
	}
	pred := predicateFile(cfg.dist)
	if _, err := os.Stat(pred); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sign-image: %s is missing: the sign step did not run with %s set", pred, cosignKeyEnv)
	}
	img, err := readLayout(filepath.Join(cfg.dist, "image"))
	if err != nil {
		return fmt.Errorf("sign-image: %w", err)
	}
	if err := c.signImage(ctx, cfg.image+"@"+img.index, true); err != nil {
		return fmt.Errorf("sign-image: %w", err)
	}
	for _, d := range img.digests() {
		if err := c.attest(ctx, cfg.image+"@"+d, pred); err != nil {
			return fmt.Errorf("sign-image: provenance: %w", err)
		}
	}
	env.Logf("signed %s@%s and its %d platform images; provenance attached to each", cfg.image, img.index, len(img.platforms))
	return nil
}
