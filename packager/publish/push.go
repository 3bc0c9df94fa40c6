package publish

import (
	"context"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/registry"
)

// Registry pushes the artifact to Tag, and points ExtraTags at the same digest.
type Registry struct {
	Client    registry.Client
	Tag       name.Tag
	ExtraTags []string
}

func (r Registry) String() string { return r.Tag.Context().Tag(r.Tag.TagStr()).String() }

// Publish pushes.
func (r Registry) Publish(ctx context.Context, res image.Result) ([]Result, error) {
	digest, err := r.Client.Push(ctx, r.Tag, res, r.ExtraTags)
	if err != nil {
		return nil, err
	}
	// Tag.String() is the reference as given, without the default tag it was parsed with.
	tagged := r.Tag.Context().Tag(r.Tag.TagStr()).String()
	out := []Result{{Kind: "registry", Ref: tagged + "@" + digest.String(), Tag: r.Tag.TagStr(), Digest: digest.String()}}
	for _, t := range r.ExtraTags {
		out = append(out, Result{Kind: "registry", Ref: r.Tag.Context().Tag(t).String() + "@" + digest.String(), Tag: t, Digest: digest.String()})
	}
	return out, nil
}
