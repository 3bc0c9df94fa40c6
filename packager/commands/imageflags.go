package commands

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/packager/imageref"
	"github.com/lwa-go/lwa/packager/output"
	"github.com/lwa-go/lwa/packager/publish"
	"github.com/lwa-go/lwa/packager/registry"
	"github.com/lwa-go/lwa/packager/tag"
	"github.com/lwa-go/lwa/packager/usage"
)

func (a *app) imageCommand() *cli.Command {
	return &cli.Command{
		Name:  "image",
		Usage: "build OCI images with the adapter at /opt/extensions/lambda-adapter (no Docker daemon)",
		Description: "By default builds the adapter image: /opt/extensions/lambda-adapter and /lambda-adapter,\n" +
			"one image per platform in an OCI index. With --base, appends the adapter to every linux/amd64\n" +
			"and linux/arm64 image of that image or index instead (replacing an adapter already there).\n" +
			"With --layer-only, writes just the layer (pushed as an OCI artifact).\n" +
			"A single platform gives a single image, not an index (Lambda functions need that).\n" +
			"Pushes are tagged with the tag in --push, else with --tag, else latest.",
		Flags: append(append(commonFlags(),
			&cli.StringFlag{Name: "base", Usage: "append the adapter to this image or index (a registry reference); an adapter already at /opt/extensions/lambda-adapter is replaced", EnvVars: []string{"LWA_PACK_BASE"}},
			&cli.BoolFlag{Name: "layer-only", Usage: "write only the adapter layer: files in --output DIR and/or an OCI artifact pushed with --push REPO[:TAG]", EnvVars: []string{"LWA_PACK_LAYER_ONLY"}},
			&cli.StringSliceFlag{Name: "output", Aliases: []string{"o"}, Usage: "oci:DIR (an OCI image layout) or tar:FILE (docker tarball, one platform per file); repeatable", EnvVars: []string{"LWA_PACK_OUTPUT"}},
			&cli.StringFlag{Name: "push", Usage: "push to this registry reference, tagged with its tag, else with --tag, else latest", EnvVars: []string{"LWA_PACK_PUSH"}},
			&cli.StringSliceFlag{Name: "tag", Usage: "tags in the --push repository for the same digest (repeatable)", EnvVars: []string{"LWA_PACK_TAG"}},
			&cli.StringFlag{Name: "name", Usage: "image name recorded in tarballs and layouts (default: the --push reference, else lambda-adapter:VERSION)", EnvVars: []string{"LWA_PACK_NAME"}},
			&cli.BoolFlag{Name: "insecure", Usage: "allow plain HTTP and unverified TLS to the registries (registries on localhost use plain HTTP without it)", EnvVars: []string{"LWA_PACK_INSECURE"}},
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
	// push is the first tag pushed; tags are the others, in the same repository.
	push      *name.Tag
	tags      []string
	layerDirs []string
	outputs   []publish.Publisher
	// undo takes away the output directories this run created, when it fails.
	undo   []func()
	supply supplyChain
}

func (a *app) parseImage(c *cli.Context) (pl imagePlan, err error) {
	cm, err := a.parseCommon(c)
	if err != nil {
		return imagePlan{}, err
	}
	pl = imagePlan{common: cm, layerOnly: c.Bool("layer-only")}
	if pl.supply, err = parseSupplyChain(c); err != nil {
		return imagePlan{}, err
	}
	defer func() {
		if err != nil {
			pl.cleanUp()
		}
	}()
	pl.client = registry.New(registry.Options{
		Insecure: c.Bool("insecure"), UserAgent: "lwa-pack/" + a.Version, Transport: a.Transport,
	})
	if b := c.String("base"); b != "" {
		if pl.layerOnly {
			return imagePlan{}, fmt.Errorf("%s and %s cannot be used together", usage.FlagRef(c, "base"), usage.FlagRef(c, "layer-only"))
		}
		if err := imageref.Check(b); err != nil {
			return imagePlan{}, fmt.Errorf("%s: %w", usage.FlagValue(c, "base", b), err)
		}
		if pl.base, err = pl.client.ParseReference(b); err != nil {
			return imagePlan{}, fmt.Errorf("%s: %w", usage.FlagValue(c, "base", b), err)
		}
	}
	if err := pl.parsePush(c); err != nil {
		return imagePlan{}, err
	}
	nameTag, err := pl.parseName(c)
	if err != nil {
		return imagePlan{}, err
	}
	if err := pl.parseOutputs(c, nameTag); err != nil {
		return pl, err
	}
	if pl.push != nil && !pl.layerOnly {
		pl.outputs = append(pl.outputs, publish.Registry{Client: pl.client, Tag: *pl.push, ExtraTags: pl.tags})
	}
	if len(pl.outputs) == 0 && len(pl.layerDirs) == 0 && pl.push == nil {
		if pl.layerOnly {
			return pl, errors.New("nothing to write: pass --output DIR or --push REPO[:TAG]")
		}
		return pl, errors.New("nothing to write: pass --output oci:DIR, --output tar:FILE or --push REF")
	}
	return pl, nil
}

// parsePush reads --push and --tag: the tag in --push, else the first --tag, else latest (as ko
// does), is pushed first; every other --tag points at the same digest.
func (pl *imagePlan) parsePush(c *cli.Context) error {
	tags := c.StringSlice("tag")
	for _, t := range tags {
		if err := tag.Check(t); err != nil {
			return fmt.Errorf("%s: %w", usage.FlagValue(c, "tag", t), err)
		}
	}
	p := c.String("push")
	if p == "" {
		if len(tags) > 0 {
			return fmt.Errorf("%s needs --push: tags name what is pushed to the --push repository", usage.FlagRef(c, "tag"))
		}
		return nil
	}
	if err := imageref.Check(p); err != nil {
		return fmt.Errorf("%s: %w", usage.FlagValue(c, "push", p), err)
	}
	hasTag := strings.LastIndex(p, ":") > strings.LastIndex(p, "/")
	if strings.Contains(p, "@") {
		return fmt.Errorf("%s: a digest names what was pushed, not where to push: give REPO or REPO:TAG", usage.FlagValue(c, "push", p))
	}
	first := tag.Latest
	if !hasTag && len(tags) > 0 {
		first, tags = tags[0], tags[1:]
	}
	t, err := pl.client.ParseTag(p, first)
	if err != nil {
		return fmt.Errorf("%s: %w", usage.FlagValue(c, "push", p), err)
	}
	pl.push = &t
	for _, x := range tags {
		if x != t.TagStr() && !slices.Contains(pl.tags, x) {
			pl.tags = append(pl.tags, x)
		}
	}
	return nil
}

// parseName returns the name recorded in tarballs and layouts: --name, else the --push
// reference, else lambda-adapter:VERSION (with + as _).
func (pl *imagePlan) parseName(c *cli.Context) (name.Tag, error) {
	versionTag, err := tag.FromVersion(pl.version)
	if err != nil {
		return name.Tag{}, fmt.Errorf("%s: %w", usage.FlagValue(c, "version", pl.version), err)
	}
	ref := "lambda-adapter:" + versionTag
	switch {
	case c.String("name") != "":
		ref = c.String("name")
		if err := imageref.Check(ref); err != nil {
			return name.Tag{}, fmt.Errorf("%s: %w", usage.FlagValue(c, "name", ref), err)
		}
	case pl.push != nil:
		ref = pl.push.String()
	}
	nameTag, err := pl.client.ParseTag(ref, versionTag)
	if err != nil {
		return name.Tag{}, fmt.Errorf("%s: %w", usage.FlagValue(c, "name", ref), err)
	}
	return nameTag, nil
}

// parseOutputs turns --output values into layer directories (--layer-only) or publishers, each
// checked now so a bad destination fails before the build.
func (pl *imagePlan) parseOutputs(c *cli.Context, nameTag name.Tag) error {
	for _, o := range c.StringSlice("output") {
		if pl.layerOnly {
			dir := strings.TrimPrefix(o, "dir:")
			if strings.HasPrefix(o, publish.PrefixOCI) || strings.HasPrefix(o, publish.PrefixTar) {
				return fmt.Errorf("%s: with --layer-only, give a directory (the layer files go there; --push makes the OCI artifact)", usage.FlagValue(c, "output", o))
			}
			remove, err := output.PrepareDir(dir)
			if err != nil {
				return fmt.Errorf("%s: %w", usage.FlagValue(c, "output", o), err)
			}
			pl.undo = append(pl.undo, remove)
			pl.layerDirs = append(pl.layerDirs, dir)
			continue
		}
		pub, err := publish.ParseOutput(o, nameTag)
		if err != nil {
			return fmt.Errorf("%s: %w", usage.FlagValue(c, "output", o), err)
		}
		if ch, ok := pub.(publish.Checker); ok {
			if err := ch.Check(); err != nil {
				return fmt.Errorf("%s: %w", usage.FlagValue(c, "output", o), err)
			}
		}
		pl.outputs = append(pl.outputs, pub)
	}
	return nil
}

// cleanUp takes away what a failed run created before failing (empty output directories).
func (pl imagePlan) cleanUp() {
	for _, u := range pl.undo {
		u()
	}
}
