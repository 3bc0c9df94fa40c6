package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/packager/build"
	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/output"
	"github.com/lwa-go/lwa/packager/platform"
	"github.com/lwa-go/lwa/packager/publish"
	"github.com/lwa-go/lwa/packager/registry"
)

func (a *app) imageCommand() *cli.Command {
	return &cli.Command{
		Name:  "image",
		Usage: "build OCI images with the adapter at /opt/extensions/lambda-adapter (no Docker daemon)",
		Description: "By default builds the adapter image: /opt/extensions/lambda-adapter and /lambda-adapter,\n" +
			"one image per platform in an OCI index. With --base, appends the adapter to every linux/amd64\n" +
			"and linux/arm64 image of that image or index instead. With --layer-only, writes just the layer.\n" +
			"A single platform gives a single image, not an index (Lambda functions need that).",
		Flags: append(append(commonFlags(),
			&cli.StringFlag{Name: "base", Usage: "append the adapter to this image or index (a registry reference)"},
			&cli.BoolFlag{Name: "layer-only", Usage: "write only the adapter layer blob and its descriptor: --output DIR and/or --push REPO"},
			&cli.StringSliceFlag{Name: "output", Aliases: []string{"o"}, Usage: "oci:DIR (an OCI image layout) or tar:FILE (docker tarball, one platform per file); repeatable"},
			&cli.StringFlag{Name: "push", Usage: "push to this registry reference (default tag: --version)"},
			&cli.StringSliceFlag{Name: "tag", Usage: "more tags to push the same digest under, in the --push repository (repeatable)"},
			&cli.StringFlag{Name: "name", Usage: "image name recorded in tarballs and layouts (default: the --push reference, else lambda-adapter:VERSION)"},
			&cli.BoolFlag{Name: "insecure", Usage: "allow plain HTTP and unverified TLS to the registries (registries on localhost use plain HTTP without it)"},
		), supplyChainFlags()...),
		Action: a.image,
	}
}

// imagePlan is the validated image command line.
type imagePlan struct {
	common
	client    registry.Client
	layerOnly bool
	base      name.Reference
	push      *name.Tag
	pushRepo  *name.Repository
	tags      []string
	layerDirs []string
	outputs   []publish.Publisher
	supply    supplyChain
}

func (a *app) parseImage(c *cli.Context) (imagePlan, error) {
	cm, err := a.parseCommon(c)
	if err != nil {
		return imagePlan{}, err
	}
	pl := imagePlan{common: cm, layerOnly: c.Bool("layer-only")}
	if pl.supply, err = parseSupplyChain(c); err != nil {
		return imagePlan{}, err
	}
	pl.client = registry.New(registry.Options{
		Insecure: c.Bool("insecure"), UserAgent: "lwa-pack/" + a.Version, Transport: a.Transport,
	})

	if b := c.String("base"); b != "" {
		if pl.layerOnly {
			return imagePlan{}, errors.New("--base and --layer-only cannot be used together")
		}
		if pl.base, err = pl.client.ParseReference(b); err != nil {
			return imagePlan{}, fmt.Errorf("--base %q: %w", b, err)
		}
	}
	if p := c.String("push"); p != "" {
		if pl.layerOnly {
			repo, err := pl.client.ParseRepository(p)
			if err != nil {
				return imagePlan{}, fmt.Errorf("--push %q: %w", p, err)
			}
			pl.pushRepo = &repo
		} else {
			tag, err := pl.client.ParseTag(p, cm.version)
			if err != nil {
				return imagePlan{}, fmt.Errorf("--push %q: %w", p, err)
			}
			pl.push = &tag
		}
	}
	for _, t := range c.StringSlice("tag") {
		if pl.push == nil {
			return imagePlan{}, errors.New("--tag needs --push (and is not used with --layer-only)")
		}
		if _, err := name.NewTag(pl.push.Context().String()+":"+t, name.StrictValidation); err != nil || strings.ContainsAny(t, ":/@") {
			return imagePlan{}, fmt.Errorf("--tag %q: not a valid tag (letters, digits, _ . -, up to 128)", t)
		}
		pl.tags = append(pl.tags, t)
	}

	ref := "lambda-adapter:" + cm.version
	switch {
	case c.String("name") != "":
		ref = c.String("name")
	case pl.push != nil:
		ref = pl.push.String()
	}
	nameTag, err := pl.client.ParseTag(ref, cm.version)
	if err != nil {
		return imagePlan{}, fmt.Errorf("--name %q: %w", ref, err)
	}

	if err := pl.parseOutputs(c.StringSlice("output"), nameTag); err != nil {
		return imagePlan{}, err
	}
	if pl.push != nil {
		pl.outputs = append(pl.outputs, publish.Registry{Client: pl.client, Tag: *pl.push, ExtraTags: pl.tags})
	}
	if len(pl.outputs) == 0 && len(pl.layerDirs) == 0 && pl.pushRepo == nil {
		if pl.layerOnly {
			return imagePlan{}, errors.New("nothing to write: pass --output DIR or --push REPO")
		}
		return imagePlan{}, errors.New("nothing to write: pass --output oci:DIR, --output tar:FILE or --push REF")
	}
	return pl, nil
}

// parseOutputs turns --output values into layer directories (--layer-only) or publishers, each
// checked now so a bad destination fails before the build.
func (pl *imagePlan) parseOutputs(values []string, nameTag name.Tag) error {
	for _, o := range values {
		if pl.layerOnly {
			dir := strings.TrimPrefix(o, "dir:")
			if strings.HasPrefix(o, publish.PrefixOCI) || strings.HasPrefix(o, publish.PrefixTar) {
				return fmt.Errorf("--output %q: with --layer-only, give a directory", o)
			}
			if err := output.EnsureDir(dir); err != nil {
				return fmt.Errorf("--output %s: %w", dir, err)
			}
			pl.layerDirs = append(pl.layerDirs, dir)
			continue
		}
		pub, err := publish.ParseOutput(o, nameTag)
		if err != nil {
			return fmt.Errorf("--output %q: %w", o, err)
		}
		if ch, ok := pub.(publish.Checker); ok {
			if err := ch.Check(); err != nil {
				return fmt.Errorf("--output %q: %w", o, err)
			}
		}
		pl.outputs = append(pl.outputs, pub)
	}
	return nil
}

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

func (a *app) image(c *cli.Context) error {
	pl, err := a.parseImage(c)
	if err != nil {
		return err
	}
	ctx := c.Context
	progress := a.progress(pl.quiet)

	platforms := pl.platforms
	var basePlan image.Plan
	var baseDigest string
	if pl.base != nil {
		if basePlan, baseDigest, err = a.readBase(ctx, pl); err != nil {
			return err
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
	opts := image.Options{Version: pl.version, Created: pl.created}
	if pl.layerOnly {
		return a.writeLayers(c, pl, bins, opts)
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
	} else {
		art, err = image.Adapter(ctx, bins, opts)
	}
	if err != nil {
		return err
	}

	report := imageReport{Version: pl.version}
	art, sboms, err := a.supplyChain(ctx, pl, art, bins, baseDigest, &report)
	if err != nil {
		return err
	}
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
	for _, pub := range pl.outputs {
		pub = publish.WithReferrers(pub, sboms)
		progress("writing %s", pub)
		res, err := pub.Publish(ctx, art)
		if err != nil {
			return fmt.Errorf("%s: %w", describeOutput(pub), err)
		}
		report.Outputs = append(report.Outputs, res...)
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
		return image.Plan{}, "", fmt.Errorf("--base %s: %w", pl.base, err)
	}
	digest, err := baseDigestOf(pl.base, base)
	if err != nil {
		return image.Plan{}, "", err
	}
	plan, err := image.PlanBase(base, pl.platforms, pl.explicitPlatforms)
	if err != nil {
		return image.Plan{}, "", fmt.Errorf("--base %s: %w", pl.base, err)
	}
	for _, d := range plan.Dropped {
		progress("leaving out the base's %s", d)
	}
	return plan, digest, nil
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

// writeLayers handles --layer-only: the layer blobs go to each --output DIR and/or --push REPO.
func (a *app) writeLayers(c *cli.Context, pl imagePlan, bins []image.Binary, opts image.Options) error {
	report := imageReport{Version: pl.version}
	progress := a.progress(pl.quiet)
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
		if pl.pushRepo != nil {
			if err := pl.client.PushLayer(c.Context, *pl.pushRepo, l); err != nil {
				return fmt.Errorf("--push %s: %w", pl.pushRepo, err)
			}
			report.Outputs = append(report.Outputs, publish.Result{Kind: "registry", Ref: pl.pushRepo.Digest(desc.Digest).String(), Platform: b.Platform.String(), Digest: desc.Digest})
		}
		report.Layers = append(report.Layers, desc)
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
