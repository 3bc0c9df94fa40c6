package image

import (
	"fmt"
	"maps"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// Annotate returns r with annotations added to every platform manifest and to the index, and
// labels added to every platform image's config (both over what is there, so a --base image's
// own keep unless named again). Index entries keep their order, platform and annotations;
// entries that are not one of r's platform images (none today) are kept as they are. Nothing to
// add returns r unchanged.
func Annotate(r Result, annotations, labels map[string]string) (Result, error) {
	if len(annotations) == 0 && len(labels) == 0 {
		return r, nil
	}
	images := make([]PlatformImage, len(r.Images()))
	replaced := map[v1.Hash]v1.Image{}
	for i, pi := range r.Images() {
		img, err := annotateImage(pi.Image, annotations, labels)
		if err != nil {
			return nil, fmt.Errorf("annotate %s: %w", pi.Platform, err)
		}
		old, err := pi.Image.Digest()
		if err != nil {
			return nil, err
		}
		replaced[old] = img
		images[i] = PlatformImage{Platform: pi.Platform, Image: img}
	}
	idx, ok := r.(v1.ImageIndex)
	if !ok {
		return SingleImage(images[0]), nil
	}
	out, err := rebuildIndex(idx, replaced)
	if err != nil {
		return nil, err
	}
	if len(annotations) > 0 {
		out = mutate.Annotations(out, annotations).(v1.ImageIndex)
	}
	return Index(out, images), nil
}

func annotateImage(img v1.Image, annotations, labels map[string]string) (v1.Image, error) {
	if len(labels) > 0 {
		cfg, err := img.ConfigFile()
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		c := cfg.Config
		c.Labels = maps.Clone(c.Labels)
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		maps.Copy(c.Labels, labels)
		if img, err = mutate.Config(img, c); err != nil {
			return nil, fmt.Errorf("set labels: %w", err)
		}
	}
	if len(annotations) > 0 {
		img = mutate.Annotations(img, annotations).(v1.Image)
	}
	return img, nil
}

// rebuildIndex is idx with each entry whose digest is in replaced swapped for its replacement,
// in the same order and with the same descriptor fields, media type and annotations.
func rebuildIndex(idx v1.ImageIndex, replaced map[v1.Hash]v1.Image) (v1.ImageIndex, error) {
	out, im, err := emptyIndexLike(idx)
	if err != nil {
		return nil, err
	}
	for _, d := range im.Manifests {
		if img, ok := replaced[d.Digest]; ok {
			out = mutate.AppendManifests(out, replacementEntry(img, d))
			continue
		}
		child, err := indexChild(idx, d)
		if err != nil {
			return nil, err
		}
		out = mutate.AppendManifests(out, mutate.IndexAddendum{Add: child, Descriptor: d})
	}
	return out, nil
}

func indexChild(idx v1.ImageIndex, d v1.Descriptor) (mutate.Appendable, error) {
	if d.MediaType.IsIndex() {
		return idx.ImageIndex(d.Digest)
	}
	img, err := idx.Image(d.Digest)
	if err != nil {
		return nil, fmt.Errorf("index entry %s: %w", d.Digest, err)
	}
	return PlainDescriptor(img), nil
}

// emptyIndexLike returns an index with idx's media type and annotations and no entries, and idx's
// manifest.
func emptyIndexLike(idx v1.ImageIndex) (v1.ImageIndex, *v1.IndexManifest, error) {
	mt, err := idx.MediaType()
	if err != nil {
		return nil, nil, fmt.Errorf("read index media type: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, nil, fmt.Errorf("read index: %w", err)
	}
	out := mutate.IndexMediaType(empty.Index, mt)
	if len(im.Annotations) > 0 {
		out = mutate.Annotations(out, im.Annotations).(v1.ImageIndex)
	}
	return out, im, nil
}

// replacementEntry is the index entry for img in place of the entry d: d's platform, annotations
// and URLs, img's own digest, size and media type.
func replacementEntry(img v1.Image, d v1.Descriptor) mutate.IndexAddendum {
	return mutate.IndexAddendum{
		Add:        PlainDescriptor(img),
		Descriptor: v1.Descriptor{Platform: d.Platform, Annotations: d.Annotations, URLs: d.URLs},
	}
}
