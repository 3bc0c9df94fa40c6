package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/packager/annotations"
	"github.com/lwa-go/lwa/packager/build"
	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/publish"
	"github.com/lwa-go/lwa/packager/referrer"
	"github.com/lwa-go/lwa/packager/sbom"
)

// supplyChainFlags are lwa-pack image's annotation, label and SBOM flags (docs/supply-chain.md).
func supplyChainFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{
			Name:    "annotation",
			Usage:   "add the OCI annotation KEY=VALUE to every manifest and the index, over the defaults (repeatable; in the variable, comma-separated)",
			EnvVars: []string{"LWA_PACK_ANNOTATION"},
		},
		&cli.StringSliceFlag{
			Name:    "label",
			Usage:   "add the label KEY=VALUE to every image's config (repeatable; in the variable, comma-separated)",
			EnvVars: []string{"LWA_PACK_LABEL"},
		},
		&cli.BoolFlag{
			Name:    "annotation-defaults",
			Value:   true,
			Usage:   "set the org.opencontainers.image.* annotations: created, version, revision, source, title, licenses, and base.name/base.digest with --base",
			EnvVars: []string{"LWA_PACK_ANNOTATION_DEFAULTS"},
		},
		sbomFlag(),
	}
}

// sbomFlag switches the SPDX SBOMs of lwa-pack image (referrers) and lwa-pack layer (files).
func sbomFlag() cli.Flag {
	return &cli.BoolFlag{
		Name:    "sbom",
		Value:   true,
		Usage:   "write an SPDX 2.3 SBOM of each adapter binary (image: attached to each platform manifest as an OCI referrer; layer: beside each zip)",
		EnvVars: []string{"LWA_PACK_SBOM"},
	}
}

// supplyChain is the validated annotation, label and SBOM part of a command line.
type supplyChain struct {
	annotations, labels map[string]string
	defaults            bool
	sbom                bool
}

func parseSupplyChain(c *cli.Context) (supplyChain, error) {
	sc := supplyChain{defaults: c.Bool("annotation-defaults"), sbom: c.Bool("sbom")}
	var err error
	if sc.annotations, err = annotations.Parse("--annotation", c.StringSlice("annotation")); err != nil {
		return supplyChain{}, err
	}
	if sc.labels, err = annotations.Parse("--label", c.StringSlice("label")); err != nil {
		return supplyChain{}, err
	}
	return sc, nil
}

// supplyChain annotates art and, when --sbom is on and an output can hold them, makes the SBOM
// referrers of its platform images, recording their digests in report.
func (a *app) supplyChain(ctx context.Context, pl imagePlan, art image.Result, bins []image.Binary, baseDigest string, report *imageReport) (image.Result, []referrer.Artifact, error) {
	art, err := a.annotate(ctx, pl, art, baseDigest)
	if err != nil {
		return nil, nil, err
	}
	if !pl.supply.sbom || !publish.AnyTakesReferrers(pl.outputs) {
		return art, nil, nil
	}
	sboms, err := sbomReferrers(art, bins, pl.version, pl.created)
	if err != nil {
		return nil, nil, err
	}
	for i, s := range sboms {
		report.SBOMs = append(report.SBOMs, platformDigest{Platform: art.Images()[i].Platform.String(), Digest: s.Descriptor().Digest.String()})
	}
	return art, sboms, nil
}

// annotate puts the annotations and labels on art. The revision default is the commit of the
// checkout the adapter was compiled from, when clean; the base ones name --base as given and
// the digest it resolved to.
func (a *app) annotate(ctx context.Context, pl imagePlan, art image.Result, baseDigest string) (image.Result, error) {
	info := annotations.Info{Version: pl.version, Created: pl.created}
	if len(pl.binaries) == 0 {
		if src, err := build.ResolveSource(pl.source, a.WorkDir, a.ModuleVersion); err == nil && src.Kind == build.FromDir {
			info.Revision = annotations.GitRevision(ctx, src.Dir)
		}
	}
	if pl.base != nil {
		info.BaseName, info.BaseDigest = pl.base.Name(), baseDigest
	}
	ann := annotations.Merge(pl.supply.defaults, annotations.Defaults(info), pl.supply.annotations)
	out, err := image.Annotate(art, ann, pl.supply.labels)
	if err != nil {
		return nil, fmt.Errorf("annotations: %w", err)
	}
	return out, nil
}

// sbomReferrers builds, for each platform image of art, the SBOM of its adapter binary as an
// artifact whose subject is that image's manifest.
func sbomReferrers(art image.Result, bins []image.Binary, version string, created time.Time) ([]referrer.Artifact, error) {
	var out []referrer.Artifact
	for _, pi := range art.Images() {
		var data []byte
		for _, b := range bins {
			if b.Platform == pi.Platform {
				data = b.Data
			}
		}
		if data == nil {
			return nil, fmt.Errorf("sbom: no adapter binary for %s", pi.Platform)
		}
		doc, err := sbom.ForBytes(data, sbom.AdapterOptions(version, pi.Platform.String(), created))
		if err != nil {
			return nil, fmt.Errorf("--sbom: the %s adapter binary: %w (a binary not built by Go has none to describe: pass --sbom=false)", pi.Platform, err)
		}
		subject, err := partial.Descriptor(pi.Image)
		if err != nil {
			return nil, fmt.Errorf("sbom: %s: %w", pi.Platform, err)
		}
		ann := map[string]string{annotations.Created: created.UTC().Format(time.RFC3339)}
		r, err := referrer.New(sbom.MediaType, doc, *subject, ann)
		if err != nil {
			return nil, fmt.Errorf("sbom: %s: %w", pi.Platform, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// baseDigestOf is the digest --base resolved to (its index, or its image).
func baseDigestOf(ref name.Reference, b image.Base) (string, error) {
	if b.Index != nil {
		d, err := b.Index.Digest()
		return d.String(), err
	}
	if b.Image == nil {
		return "", fmt.Errorf("--base %s: nothing was read", ref)
	}
	d, err := b.Image.Digest()
	return d.String(), err
}
