package referrer

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

const spdx = "application/spdx+json"

var doc = []byte(`{"spdxVersion":"SPDX-2.3"}` + "\n")

func subject(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(128, 1)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func descriptorOf(t *testing.T, img v1.Image) v1.Descriptor {
	t.Helper()
	d, err := partial.Descriptor(img)
	if err != nil {
		t.Fatal(err)
	}
	return *d
}

func TestNewManifest(t *testing.T) {
	sub := descriptorOf(t, subject(t))
	created := map[string]string{"org.opencontainers.image.created": "2023-11-14T22:13:20Z"}
	a, err := New(spdx, doc, sub, created)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(spdx, doc, sub, created)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Manifest(), b.Manifest()) {
		t.Fatal("two builds of the same artifact differ")
	}
	var m map[string]any
	if err := json.Unmarshal(a.Manifest(), &m); err != nil {
		t.Fatal(err)
	}
	if m["artifactType"] != spdx || m["mediaType"] != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("manifest %s", a.Manifest())
	}
	if s := m["subject"].(map[string]any); s["digest"] != sub.Digest.String() {
		t.Errorf("subject %v, want %s", s, sub.Digest)
	}
	cfg := m["config"].(map[string]any)
	if cfg["mediaType"] != emptyMediaType || cfg["digest"] != emptyDigest || cfg["data"] != "e30=" {
		t.Errorf("config %v, want the OCI empty descriptor", cfg)
	}
	if _, err := New(spdx, doc, v1.Descriptor{}, nil); err == nil || !strings.Contains(err.Error(), "subject") {
		t.Errorf("empty subject: %v", err)
	}
}

// TestPushReferrersAPI pushes to go-containerregistry's registry, which serves the referrers API:
// the subject's referrers list the SBOM, whose blob reads back.
func TestPushReferrersAPI(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(true)))
	t.Cleanup(srv.Close)
	// Its referrers list derives artifactType from the config's media type only (the OCI empty
	// type here), not from the manifest's artifactType as the distribution spec 1.1 says.
	checkPush(t, strings.TrimPrefix(srv.URL, "http://")+"/lwa/adapter", emptyMediaType)
}

// checkPush pushes a subject and its SBOM referrer to repo and reads the referrers back.
// wantType is the artifactType the registry's referrers list should give.
func checkPush(t *testing.T, repoName, wantType string) {
	t.Helper()
	repo, err := name.NewRepository(repoName, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img := subject(t)
	sub := descriptorOf(t, img)
	if err := remote.Write(repo.Digest(sub.Digest.String()), img); err != nil {
		t.Fatal(err)
	}
	a, err := New(spdx, doc, sub, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := a.Push(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Referrers(repo.Digest(sub.Digest.String()))
	if err != nil {
		t.Fatalf("referrers of %s: %v", sub.Digest, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != a.Descriptor().Digest || im.Manifests[0].ArtifactType != wantType {
		t.Fatalf("referrers %+v, want the SBOM artifact %s", im.Manifests, a.Descriptor().Digest)
	}
	art, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := art.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("artifact layers %v, %v", layers, err)
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, doc) {
		t.Fatalf("SBOM blob reads back as %q", got)
	}
}

func TestWriteToLayout(t *testing.T) {
	p, err := layout.Write(t.TempDir(), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	img := subject(t)
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	a, err := New(spdx, doc, descriptorOf(t, img), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.WriteTo(p); err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 2 || im.Manifests[1].ArtifactType != spdx {
		t.Fatalf("layout index %+v, want the image then the SBOM artifact", im.Manifests)
	}
	got, err := p.Bytes(im.Manifests[1].Digest)
	if err != nil || !bytes.Equal(got, a.Manifest()) {
		t.Fatalf("artifact manifest in the layout: %v", err)
	}
	blob, err := p.Bytes(mustDocDigest(t))
	if err != nil || !bytes.Equal(blob, doc) {
		t.Fatalf("SBOM blob in the layout: %q, %v", blob, err)
	}
}

func mustDocDigest(t *testing.T) v1.Hash {
	t.Helper()
	h, _, err := v1.SHA256(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return h
}
