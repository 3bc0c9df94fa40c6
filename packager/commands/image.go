package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/packager/artifact"
	"github.com/lwa-go/lwa/packager/build"
	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/platform"
	"github.com/lwa-go/lwa/packager/publish"
)

type imageReport struct {
	Version   string                    `json:"version"`
	Digest    string                    `json:"digest,omitempty"`
	MediaType string                    `json:"mediaType,omitempty"`
	Images    []platformDigest          `json:"images,omitempty"`
	Layers    []publish.LayerDescriptor `json:"layers,omitempty"`
	Outputs   []publish.Result          `json:"outputs,omitempty"`
	// SBOMs are the SBOM referrers' manifest digests, by platform.
	SBOMs []platformDigest `json:"sboms,omitempty"`
}

type platformDigest struct {
	Platform string `json:"platform"`
	Digest   string `json:"digest"`
}

func (a *app) image(c *cli.Context) (err error) {
	pl, err := a.parseImage(c)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			pl.cleanUp()
		}
	}()
	ctx := c.Context
	progress := a.progress(pl.quiet)

	if pl.push != nil {
		// A registry that refuses the push fails the run now, not after compiling.
		if err := pl.client.CheckPush(*pl.push); err != nil {
			return fmt.Errorf("--push %s: %w", publish.Registry{Tag: *pl.push}, err)
		}
	}
	platforms := pl.platforms
	var basePlan image.Plan
	var baseDigest string
	if pl.base != nil {
		if basePlan, baseDigest, err = a.readBase(ctx, pl); err != nil {
			return fmt.Errorf("--base %s: %w", pl.base, err)
		}
		platforms = basePlan.Platforms()
	}

	arts, cleanup, err := a.build(ctx, pl.common, platforms)
	if err != nil {
		return err
	}
	defer cleanup()
	bins, err := readBinaries(arts)
	if err != nil {
		return err
	}
	opts := image.Options{Version: pl.version, Created: pl.created, Warn: a.warn}
	if pl.layerOnly {
		return a.writeLayers(ctx, pl, bins, opts)
	}

	var art image.Result
	if pl.base != nil {
		byPlatform := map[platform.Platform][]byte{}
		for _, b := range bins {
			byPlatform[b.Platform] = b.Data
		}
		progress("appending the adapter layer to %d base image(s)", len(platforms))
		if art, err = basePlan.Apply(ctx, byPlatform, opts); err != nil {
			return fmt.Errorf("--base %s: %w", pl.base, err)
		}
	} else if art, err = image.Adapter(ctx, bins, opts); err != nil {
		return err
	}
	report := imageReport{Version: pl.version}
	art, sboms, err := a.supplyChain(ctx, pl, art, bins, baseDigest, &report)
	if err != nil {
		return err
	}
	if err := describeResult(&report, art); err != nil {
		return err
	}
	pubs := make([]publish.Publisher, len(pl.outputs))
	for i, pub := range pl.outputs {
		pubs[i] = publish.WithReferrers(pub, sboms)
	}
	if report.Outputs, err = a.publishAll(ctx, pl, pubs, art); err != nil {
		return err
	}
	return a.printImage(pl.common, report)
}

// readBase reads --base and plans which of its images get the adapter; it also returns the
// digest --base resolved to, for the base annotations.
func (a *app) readBase(ctx context.Context, pl imagePlan) (image.Plan, string, error) {
	progress := a.progress(pl.quiet)
	progress("reading base %s", pl.base)
	base, err := pl.client.Fetch(ctx, pl.base)
	if err != nil {
		return image.Plan{}, "", err
	}
	digest, err := baseDigestOf(pl.base, base)
	if err != nil {
		return image.Plan{}, "", err
	}
	plan, err := image.PlanBase(base, pl.platforms, pl.explicitPlatforms)
	var npe *image.NoPlatformError
	if errors.As(err, &npe) && pl.binaries != nil && !pl.explicitPlatforms {
		return image.Plan{}, "", fmt.Errorf("%w: the --binary files given are for %s only; add --binary PLATFORM=PATH for the base's platform, or leave out --binary to compile", err, platformList(pl.platforms))
	}
	if err != nil {
		return image.Plan{}, "", err
	}
	for _, d := range plan.Dropped {
		progress("leaving out the base's %s", d)
	}
	return plan, digest, nil
}

func platformList(ps []platform.Platform) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.String()
	}
	return strings.Join(names, ", ")
}

// describeResult fills the report's digests of an image or index before it is written anywhere.
func describeResult(report *imageReport, art image.Result) error {
	digest, err := art.Digest()
	if err != nil {
		return err
	}
	mt, _ := art.MediaType()
	report.Digest, report.MediaType = digest.String(), string(mt)
	for _, pi := range art.Images() {
		d, err := pi.Image.Digest()
		if err != nil {
			return err
		}
		report.Images = append(report.Images, platformDigest{Platform: pi.Platform.String(), Digest: d.String()})
	}
	return nil
}

// publishAll writes art to each destination in turn. When one fails, the error also names those
// already written, since they stay.
func (a *app) publishAll(ctx context.Context, pl imagePlan, pubs []publish.Publisher, art image.Result) ([]publish.Result, error) {
	var done []publish.Result
	for _, pub := range pubs {
		a.progress(pl.quiet)("writing %s", pub)
		res, err := pub.Publish(ctx, art)
		if err != nil {
			err = fmt.Errorf("%s: %w", describeOutput(pub), err)
			if len(done) > 0 {
				err = fmt.Errorf("%w; written before the failure, and left in place: %s", err, describeResults(done))
			}
			return nil, err
		}
		done = append(done, res...)
	}
	return done, nil
}

func describeResults(rs []publish.Result) string {
	var parts []string
	for _, r := range rs {
		if r.Kind == "registry" {
			parts = append(parts, r.Ref)
		} else {
			parts = append(parts, fmt.Sprintf("%s:%s (%s)", r.Kind, r.Path, r.Digest))
		}
	}
	return strings.Join(parts, ", ")
}

func describeOutput(p publish.Publisher) string {
	if _, ok := p.(publish.Registry); ok {
		return "--push " + p.String()
	}
	return "--output " + p.String()
}

func readBinaries(arts []build.Artifact) ([]image.Binary, error) {
	out := make([]image.Binary, 0, len(arts))
	for _, a := range arts {
		data, err := os.ReadFile(a.Path)
		if err != nil {
			return nil, fmt.Errorf("read %s binary: %w", a.Platform, err)
		}
		out = append(out, image.Binary{Platform: a.Platform, Data: data})
	}
	return out, nil
}

// writeLayers handles --layer-only: the layer files go to each --output DIR, and --push pushes
// an OCI artifact holding the layers (one manifest per platform, in an index when there are two),
// tagged like any push.
func (a *app) writeLayers(ctx context.Context, pl imagePlan, bins []image.Binary, opts image.Options) error {
	report := imageReport{Version: pl.version}
	progress := a.progress(pl.quiet)
	var layers []artifact.Layer
	for _, b := range bins {
		l, err := image.Layer(b.Data, image.LayerOptions{ModTime: opts.Created})
		if err != nil {
			return err
		}
		desc, err := publish.DescribeLayer(b.Platform, l)
		if err != nil {
			return err
		}
		for _, dir := range pl.layerDirs {
			base := fmt.Sprintf("lambda-adapter-oci-layer-%s-%s", pl.version, b.Platform.LambdaArch())
			if desc, err = publish.WriteLayerFiles(dir, base, b.Platform, l); err != nil {
				return fmt.Errorf("--output %s: %w", dir, err)
			}
			progress("wrote %s", desc.Path)
		}
		report.Layers = append(report.Layers, desc)
		layers = append(layers, artifact.Layer{Platform: b.Platform, Layer: l})
	}
	if pl.push != nil {
		art, err := artifact.New(layers, pl.version)
		if err != nil {
			return err
		}
		reg := publish.Registry{Client: pl.client, Tag: *pl.push, ExtraTags: pl.tags}
		if report.Outputs, err = a.publishAll(ctx, pl, []publish.Publisher{reg}, art); err != nil {
			return err
		}
	}
	return a.printImage(pl.common, report)
}

func (a *app) printImage(cm common, r imageReport) error {
	if cm.json {
		return writeJSON(a.Stdout, r)
	}
	if r.Digest != "" {
		kind := "image"
		if strings.Contains(r.MediaType, "index") || strings.Contains(r.MediaType, "list") {
			kind = "index"
		}
		fmt.Fprintf(a.Stdout, "%s %s\n", kind, r.Digest)
		for _, i := range r.Images {
			fmt.Fprintf(a.Stdout, "  %s %s\n", i.Platform, i.Digest)
		}
	}
	for _, l := range r.Layers {
		fmt.Fprintf(a.Stdout, "layer %s/%s %s (%s, diffID %s)", l.Platform.OS, l.Platform.Architecture, l.Digest, humanSize(l.Size), l.DiffID)
		if l.Path != "" {
			fmt.Fprintf(a.Stdout, " %s", l.Path)
		}
		fmt.Fprintln(a.Stdout)
	}
	for _, o := range r.Outputs {
		switch o.Kind {
		case "registry":
			fmt.Fprintf(a.Stdout, "pushed %s\n", o.Ref)
		default:
			fmt.Fprintf(a.Stdout, "wrote %s:%s %s\n", o.Kind, o.Path, o.Digest)
		}
	}
	return nil
}
