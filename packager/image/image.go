// Package image builds OCI images that carry the adapter at /opt/extensions/lambda-adapter: the
// adapter's own image (one per platform, combined in an index), or a user's base image with the
// adapter layer appended. It only builds; package publish writes the results out.
package image

import (
	"fmt"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lwa-go/lwa/packager/platform"
)

// Binary is the adapter binary for one platform.
type Binary struct {
	Platform platform.Platform
	Data     []byte
}

// PlatformImage is one platform's image of an Artifact.
type PlatformImage struct {
	Platform platform.Platform
	Image    v1.Image
}

// Artifact is what lwa-pack image made: an index when there are several platforms, else the one
// image (Lambda refuses an index for a function).
type Artifact struct {
	// Index is the image index; nil when there is a single image.
	Index v1.ImageIndex
	// Images are the platform images in index order.
	Images []PlatformImage
}

// Digest returns the digest of the index, or of the single image.
func (a Artifact) Digest() (v1.Hash, error) {
	if a.Index != nil {
		return a.Index.Digest()
	}
	return a.Images[0].Image.Digest()
}

// MediaType returns the media type of the index, or of the single image.
func (a Artifact) MediaType() (types.MediaType, error) {
	if a.Index != nil {
		return a.Index.MediaType()
	}
	return a.Images[0].Image.MediaType()
}

// Options are the settings shared by every image lwa-pack builds.
type Options struct {
	// Version labels the adapter image and its history entry.
	Version string
	// Created stamps the adapter image's config, history and file times.
	Created time.Time
}

// Adapter builds the adapter image for each binary (OCI media types, FROM scratch, holding
// /opt/extensions/lambda-adapter and /lambda-adapter) and, for more than one, an OCI index of them
// with platform descriptors.
func Adapter(bins []Binary, o Options) (Artifact, error) {
	var a Artifact
	imgs, err := forEach(len(bins), func(i int) (v1.Image, error) {
		img, err := adapterImage(bins[i], o)
		if err != nil {
			return nil, fmt.Errorf("adapter image %s: %w", bins[i].Platform, err)
		}
		return img, nil
	})
	if err != nil {
		return Artifact{}, err
	}
	for i, b := range bins {
		a.Images = append(a.Images, PlatformImage{Platform: b.Platform, Image: imgs[i]})
	}
	if len(a.Images) > 1 {
		idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
		for _, pi := range a.Images {
			idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
				Add:        PlainDescriptor(pi.Image),
				Descriptor: v1.Descriptor{Platform: pi.Platform.OCI()},
			})
		}
		a.Index = idx
	}
	return a, nil
}

func adapterImage(b Binary, o Options) (v1.Image, error) {
	created := v1.Time{Time: o.Created.UTC()}
	layer, err := Layer(b.Data, LayerOptions{MediaType: types.OCILayer, ModTime: o.Created, RootLink: true})
	if err != nil {
		return nil, err
	}
	p := b.Platform.OCI()
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{
		Architecture: p.Architecture,
		OS:           p.OS,
		Variant:      p.Variant,
		Created:      created,
		Config: v1.Config{
			Entrypoint: []string{"/lambda-adapter"},
			Labels: map[string]string{
				"org.opencontainers.image.title":       "lambda-adapter",
				"org.opencontainers.image.description": "Lambda Web Adapter extension: copy /lambda-adapter to /opt/extensions/lambda-adapter",
				"org.opencontainers.image.version":     o.Version,
			},
		},
		RootFS: v1.RootFS{Type: "layers"},
	})
	if err != nil {
		return nil, err
	}
	return mutate.Append(img, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   history(o),
	})
}

func history(o Options) v1.History {
	return v1.History{
		Created:   v1.Time{Time: o.Created.UTC()},
		CreatedBy: "lwa-pack " + o.Version + ": COPY lambda-adapter /opt/extensions/lambda-adapter",
	}
}

// forEach runs f for 0..n-1 concurrently (compressing each platform's layer is the slow part)
// and returns the results in order, or the first error.
func forEach(n int, f func(i int) (v1.Image, error)) ([]v1.Image, error) {
	out := make([]v1.Image, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i], errs[i] = f(i) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PlainDescriptor wraps img so that the descriptor an index records for it carries no
// artifactType: go-containerregistry v0.22 fills one in from the config media type, even in
// Docker manifest lists, and tools that copy images (skopeo 1.9) drop it, which changes the
// index digest between copies.
func PlainDescriptor(img v1.Image) v1.Image { return plainDescriptor{img} }

type plainDescriptor struct{ v1.Image }

// Descriptor implements partial's withDescriptor.
func (p plainDescriptor) Descriptor() (*v1.Descriptor, error) {
	d, err := partial.Descriptor(p.Image)
	if err != nil {
		return nil, err
	}
	d.ArtifactType = ""
	return d, nil
}
