package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/output"
	"github.com/lwa-go/lwa/packager/referrer"
)

// refNameAnnotation names an index.json entry, so `skopeo inspect oci:DIR:NAME` finds it.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// Layout writes an OCI image layout directory whose index.json has one entry: the artifact's
// index (or image), named RefName. An existing layout at Dir is replaced.
type Layout struct {
	Dir     string
	RefName string
	// Referrers (SBOMs) are written into the layout too, each listed in index.json after the
	// named entry, as OCI layout tools that discover referrers expect.
	Referrers []referrer.Artifact
}

func (l Layout) String() string { return "oci:" + l.Dir }

// Check fails early if Dir is something other than an OCI layout or an empty directory, which
// Publish would otherwise replace.
func (l Layout) Check() error {
	st, err := os.Stat(l.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s exists and is not a directory", l.Dir)
	}
	if _, err := os.Stat(filepath.Join(l.Dir, "oci-layout")); err == nil {
		return nil
	}
	ents, err := os.ReadDir(l.Dir)
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return fmt.Errorf("%s exists and is not an OCI layout: remove it or choose another directory", l.Dir)
	}
	return nil
}

// Publish writes the layout.
func (l Layout) Publish(_ context.Context, r image.Result) ([]Result, error) {
	if err := l.Check(); err != nil {
		return nil, err
	}
	digest, err := r.Digest()
	if err != nil {
		return nil, err
	}
	err = output.WriteDir(l.Dir, func(dir string) error {
		p, err := layout.Write(dir, empty.Index)
		if err != nil {
			return err
		}
		if err := appendResult(p, r, layout.WithAnnotations(map[string]string{refNameAnnotation: l.RefName})); err != nil {
			return err
		}
		for _, a := range l.Referrers {
			if err := a.WriteTo(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return []Result{{Kind: "oci", Path: l.Dir, Digest: digest.String()}}, nil
}

// appendResult is lwa-pack's one place that tells an index from an image: go-containerregistry's
// layout has no append that takes either (as remote.Push does for registries), and
// layout.Write's would format index.json differently from AppendIndex/AppendImage.
func appendResult(p layout.Path, r image.Result, opts ...layout.Option) error {
	switch r := r.(type) {
	case v1.ImageIndex:
		return p.AppendIndex(r, opts...)
	case v1.Image:
		return p.AppendImage(r, opts...)
	}
	return fmt.Errorf("%T is neither an image nor an image index", r)
}
