package image

import (
	"context"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lwa-go/lwa/packager/platform"
)

func TestAnnotate(t *testing.T) {
	ctx := context.Background()
	o := Options{Version: "1.2.3", Created: time.Unix(1700000000, 0)}
	r, err := Adapter(ctx, bins(), o)
	if err != nil {
		t.Fatal(err)
	}
	same, err := Annotate(r, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	d0, _ := r.Digest()
	if d1, _ := same.Digest(); d1 != d0 {
		t.Fatalf("Annotate with nothing to add changed the digest %s to %s", d0, d1)
	}
	ann := map[string]string{"org.opencontainers.image.version": "1.2.3", "k": "v"}
	labels := map[string]string{"team": "web", "org.opencontainers.image.title": "mine"}
	a, err := Annotate(r, ann, labels)
	if err != nil {
		t.Fatal(err)
	}
	idx := as[v1.ImageIndex](t, a)
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if im.Annotations["k"] != "v" || len(im.Manifests) != 2 {
		t.Fatalf("index annotations %v, %d entries", im.Annotations, len(im.Manifests))
	}
	for i, d := range im.Manifests {
		want := a.Images()[i]
		if d.Platform.Architecture != want.Platform.OCI().Architecture || d.ArtifactType != "" {
			t.Errorf("entry %d: platform %v artifactType %q, want %s and none", i, d.Platform, d.ArtifactType, want.Platform)
		}
		dd, _ := want.Image.Digest()
		if d.Digest != dd {
			t.Errorf("entry %d is %s, not the annotated image %s", i, d.Digest, dd)
		}
		m, err := want.Image.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		if m.Annotations["k"] != "v" {
			t.Errorf("%s manifest annotations %v", want.Platform, m.Annotations)
		}
		cfg, err := want.Image.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Config.Labels["team"] != "web" || cfg.Config.Labels["org.opencontainers.image.title"] != "mine" ||
			cfg.Config.Labels["org.opencontainers.image.version"] != "1.2.3" {
			t.Errorf("%s labels %v: want the added ones over the image's own", want.Platform, cfg.Config.Labels)
		}
	}
	b, err := Annotate(r, ann, labels)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("two annotations of the same image differ: %s %s", da, db)
	}

	single, err := Adapter(ctx, bins()[:1], o)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Annotate(single, ann, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, isIndex := s.(v1.ImageIndex); isIndex || s.Images()[0].Platform != platform.AMD64 {
		t.Fatalf("a single image annotated became %T", s)
	}
	m, err := s.Images()[0].Image.Manifest()
	if err != nil || m.Annotations["k"] != "v" {
		t.Errorf("single image annotations %v (%v)", m, err)
	}
}
