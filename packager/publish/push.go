package publish

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/referrer"
	"github.com/lwa-go/lwa/packager/registry"
)

// Registry pushes the artifact to Tag, and points ExtraTags at the same digest.
type Registry struct {
	Client    registry.Client
	Tag       name.Tag
	ExtraTags []string
	// Referrers (SBOMs) are pushed after the image, into the same repository.
	Referrers []referrer.Artifact
}

// String is REPO:TAG with the tag pushed: Tag.String() is the reference as given, without the
// default tag it was parsed with.
func (r Registry) String() string { return r.Tag.Context().Tag(r.Tag.TagStr()).String() }

// Publish pushes.
func (r Registry) Publish(ctx context.Context, res image.Result) ([]Result, error) {
	digest, err := r.Client.Push(ctx, r.Tag, res, r.ExtraTags)
	if err != nil {
		return nil, err
	}
	for _, a := range r.Referrers {
		if err := r.Client.PushReferrer(ctx, r.Tag.Context(), a); err != nil {
			return nil, fmt.Errorf("referrer %s: %w", a.Descriptor().Digest, err)
		}
	}
	out := []Result{{Kind: "registry", Ref: r.String() + "@" + digest.String(), Tag: r.Tag.TagStr(), Digest: digest.String()}}
	for _, t := range r.ExtraTags {
		out = append(out, Result{Kind: "registry", Ref: r.Tag.Context().Tag(t).String() + "@" + digest.String(), Tag: t, Digest: digest.String()})
	}
	return out, nil
}

// WithReferrers returns p set to also write arts (SBOMs attached to its images): a layout or a
// registry; a docker tarball has no place for them and is returned unchanged.
func WithReferrers(p Publisher, arts []referrer.Artifact) Publisher {
	switch p := p.(type) {
	case Layout:
		p.Referrers = arts
		return p
	case Registry:
		p.Referrers = arts
		return p
	}
	return p
}

// AnyTakesReferrers reports whether any of ps (a layout, a registry) can hold referrers.
func AnyTakesReferrers(ps []Publisher) bool {
	for _, p := range ps {
		switch p.(type) {
		case Layout, Registry:
			return true
		}
	}
	return false
}
