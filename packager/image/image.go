// Package image builds OCI images that carry the adapter at /opt/extensions/lambda-adapter: the
// adapter's own image (one per platform, combined in an index), or a user's base image with the
// adapter layer appended. It only builds; package publish writes the results out.
package image

import (
	"context"
	"errors"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/lwa-go/lwa/packager/platform"
)

// Binary is the adapter binary for one platform.
type Binary struct {
	Platform platform.Platform
	Data     []byte
}

// errNoImages is a caller's mistake (no platform to build for), reported rather than panicking.
var errNoImages = errors.New("no platform images to build")

// Options are the settings shared by every image lwa-pack builds.
type Options struct {
	// Version labels the adapter image and its history entry.
	Version string
	// Created stamps the adapter image's config, history and file times.
	Created time.Time
	// Warn, if set, receives warnings (a base that already has an adapter).
	Warn func(format string, args ...any)
}

func (o Options) warn(format string, args ...any) {
	if o.Warn != nil {
		o.Warn(format, args...)
	}
}

// Adapter builds the adapter image for each binary (OCI media types, FROM scratch, holding
// /opt/extensions/lambda-adapter and /lambda-adapter) and, for more than one, an OCI index of them
// with platform descriptors.
func Adapter(ctx context.Context, bins []Binary, o Options) (Result, error) {
	imgs, err := eachConcurrently(ctx, len(bins), func(i int) (v1.Image, error) {
		img, err := adapterImage(bins[i], o)
		if err != nil {
			return nil, fmt.Errorf("adapter image %s: %w", bins[i].Platform, err)
		}
		return img, nil
	})
	if err != nil {
		return nil, err
	}
	images := make([]PlatformImage, len(bins))
	for i, b := range bins {
		images[i] = PlatformImage{Platform: b.Platform, Image: imgs[i]}
	}
	switch len(images) {
	case 0:
		return nil, errNoImages
	case 1:
		return SingleImage(images[0]), nil
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, pi := range images {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        PlainDescriptor(pi.Image),
			Descriptor: v1.Descriptor{Platform: pi.Platform.OCI()},
		})
	}
	return Index(idx, images), nil
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
		CreatedBy: historyPrefix + o.Version + ": COPY lambda-adapter /opt/extensions/lambda-adapter",
	}
}

// eachConcurrently runs f for 0..n-1 concurrently (compressing each platform's layer is the
// slow part) and returns the results in order, or the first error; once one fails, or ctx is
// done, the ones not yet started do not run.
func eachConcurrently(ctx context.Context, n int, f func(i int) (v1.Image, error)) ([]v1.Image, error) {
	out := make([]v1.Image, n)
	g, ctx := errgroup.WithContext(ctx)
	for i := range n {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			img, err := f(i)
			out[i] = img
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
