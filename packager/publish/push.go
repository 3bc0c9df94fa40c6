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

func (r Registry) String() string { return r.Tag.String() }

// Publish pushes.
func (r Registry) Publish(ctx context.Context, res image.Result) ([]Result, error) {
	digest, err := r.Client.Push(ctx, r.Tag, res, r.ExtraTags)
	if err != nil {
		return nil, err
	}
	out := []Result{{Kind: "registry", Ref: r.Tag.String() + "@" + digest.String(), Digest: digest.String()}}
	for _, t := range r.ExtraTags {
		out = append(out, Result{Kind: "registry", Ref: r.Tag.Context().Tag(t).String() + "@" + digest.String(), Digest: digest.String()})
	}
	return out, nil
}
