package image

import (
	"context"
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lwa-go/lwa/packager/platform"
)

// Base is a user's image to append the adapter to: an index or a single image.
type Base struct {
	Index v1.ImageIndex
	Image v1.Image
}

// Plan is what appending to a base will make: which of its images get the adapter.
type Plan struct {
	base    Base
	targets []target
	// Dropped describes the base's entries left out of the result, for a progress line.
	Dropped []string
}

type target struct {
	platform platform.Platform
	desc     v1.Descriptor // the base index's entry; zero for a single-image base
	image    v1.Image
}

// Platforms returns the platforms the result will have, in the base's order.
func (p Plan) Platforms() []platform.Platform {
	out := make([]platform.Platform, len(p.targets))
	for i, t := range p.targets {
		out[i] = t.platform
	}
	return out
}

// attestationAnnotation marks buildx's provenance and SBOM entries in an index; they refer to
// the base's image digests, which appending changes.
const attestationAnnotation = "vnd.docker.reference.type"

// PlanBase chooses the base's images to append the adapter to: those for the requested
// platforms when explicit is true (each must exist), else every linux/amd64 and linux/arm64 one.
// Only the base's manifests are read.
func PlanBase(b Base, requested []platform.Platform, explicit bool) (Plan, error) {
	plan := Plan{base: b}
	var have []string
	if b.Index == nil {
		cfg, err := b.Image.ConfigFile()
		if err != nil {
			return Plan{}, fmt.Errorf("read config: %w", err)
		}
		op := v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
		if p, ok := platform.FromOCI(&op); ok && slices.Contains(requested, p) {
			plan.targets = append(plan.targets, target{platform: p, image: b.Image})
		}
		have = append(have, op.String())
	} else {
		im, err := b.Index.IndexManifest()
		if err != nil {
			return Plan{}, fmt.Errorf("read index: %w", err)
		}
		taken := map[platform.Platform]bool{}
		for _, d := range im.Manifests {
			if d.Annotations[attestationAnnotation] != "" {
				plan.Dropped = append(plan.Dropped, fmt.Sprintf("%s entry %s", d.Annotations[attestationAnnotation], short(d.Digest)))
				continue
			}
			name := "unknown"
			if d.Platform != nil {
				name = d.Platform.String()
			}
			have = append(have, name)
			p, ok := platform.FromOCI(d.Platform)
			if !ok || !d.MediaType.IsImage() || !slices.Contains(requested, p) || taken[p] {
				plan.Dropped = append(plan.Dropped, fmt.Sprintf("%s image %s", name, short(d.Digest)))
				continue
			}
			img, err := b.Index.Image(d.Digest)
			if err != nil {
				return Plan{}, fmt.Errorf("read %s image: %w", name, err)
			}
			taken[p] = true
			plan.targets = append(plan.targets, target{platform: p, desc: d, image: img})
		}
	}
	if len(have) == 0 {
		have = []string{"nothing"}
	}
	if len(plan.targets) == 0 && !explicit {
		return Plan{}, &NoPlatformError{Want: requested, Have: have}
	}
	for _, p := range requested {
		if explicit && !slices.Contains(plan.Platforms(), p) {
			return Plan{}, &NoPlatformError{Want: []platform.Platform{p}, Have: have}
		}
	}
	return plan, nil
}

// NoPlatformError is a base without an image for the platforms wanted.
type NoPlatformError struct {
	Want []platform.Platform
	Have []string // the base's platforms, as os/arch[/variant]
}

func (e *NoPlatformError) Error() string {
	want := make([]string, len(e.Want))
	for i, p := range e.Want {
		want[i] = p.String()
	}
	return fmt.Sprintf("has no %s image (has: %s)", strings.Join(want, " or "), strings.Join(e.Have, ", "))
}

// Apply appends the adapter layer to each planned image, keeping its config and media types,
// and the base's /opt directory metadata. An index base with more than one planned image gives
// an index with the base's media type and annotations, each entry keeping its platform and
// annotations; otherwise the result is the single image.
func (p Plan) Apply(ctx context.Context, bins map[platform.Platform][]byte, o Options) (Result, error) {
	imgs, err := eachConcurrently(ctx, len(p.targets), func(i int) (v1.Image, error) {
		t := p.targets[i]
		bin, ok := bins[t.platform]
		if !ok {
			return nil, fmt.Errorf("no adapter binary for %s", t.platform)
		}
		img, err := appendAdapter(t.image, t.platform, bin, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.platform, err)
		}
		return img, nil
	})
	if err != nil {
		return nil, err
	}
	images := make([]PlatformImage, len(p.targets))
	for i, t := range p.targets {
		images[i] = PlatformImage{Platform: t.platform, Image: imgs[i]}
	}
	if len(images) == 0 {
		return nil, errNoImages
	}
	if p.base.Index == nil || len(images) == 1 {
		return SingleImage(images[0]), nil
	}
	idx, _, err := emptyIndexLike(p.base.Index)
	if err != nil {
		return nil, err
	}
	for i, t := range p.targets {
		idx = mutate.AppendManifests(idx, replacementEntry(images[i].Image, t.desc))
	}
	return Index(idx, images), nil
}

// appendAdapter adds the adapter layer to img, in img's media type family. An adapter the base
// already has is replaced, never stacked: see replaceAdapter.
func appendAdapter(img v1.Image, p platform.Platform, bin []byte, o Options) (v1.Image, error) {
	mt, err := img.MediaType()
	if err != nil {
		return nil, fmt.Errorf("read manifest media type: %w", err)
	}
	layerType := types.OCILayer
	if mt == types.DockerManifestSchema2 {
		layerType = types.DockerLayer
	}
	scan, err := scanBase(img)
	if err != nil {
		return nil, err
	}
	if scan.adapterLayer >= 0 {
		if img, scan, err = replaceAdapter(img, p, scan, o); err != nil {
			return nil, err
		}
	}
	layer, err := Layer(bin, LayerOptions{MediaType: layerType, ModTime: o.Created, Dirs: scan.dirs})
	if err != nil {
		return nil, err
	}
	out, err := mutate.Append(img, mutate.Addendum{Layer: layer, MediaType: layerType, History: history(o)})
	if err != nil {
		return nil, fmt.Errorf("append adapter layer: %w", err)
	}
	return out, nil
}

func short(h v1.Hash) string {
	s := h.String()
	if len(s) > 19 {
		return s[:19]
	}
	return s
}
