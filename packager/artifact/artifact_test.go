package artifact

import (
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/platform"
)

func layers(t *testing.T) []Layer {
	t.Helper()
	var out []Layer
	for _, p := range platform.All() {
		l, err := image.Layer([]byte("adapter binary for "+p.String()), image.LayerOptions{ModTime: time.Unix(315532800, 0)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Layer{Platform: p, Layer: l})
	}
	return out
}

// checkManifest asserts the OCI 1.1 artifact shape: our artifactType, the empty config, one layer
// that is the adapter layer.
func checkManifest(t *testing.T, img v1.Image, want Layer) {
	t.Helper()
	raw, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		MediaType    string `json:"mediaType"`
		ArtifactType string `json:"artifactType"`
		Config       struct {
			MediaType string `json:"mediaType"`
			Digest    string `json:"digest"`
			Size      int64  `json:"size"`
			Data      string `json:"data"`
		} `json:"config"`
		Layers      []v1.Descriptor   `json:"layers"`
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	wantDigest, _ := want.Layer.Digest()
	if m.MediaType != string(types.OCIManifestSchema1) || m.ArtifactType != Type {
		t.Errorf("mediaType %s artifactType %s", m.MediaType, m.ArtifactType)
	}
	// The empty descriptor exactly as the OCI image spec 1.1 defines it.
	if m.Config.MediaType != "application/vnd.oci.empty.v1+json" || m.Config.Size != 2 || m.Config.Data != "e30=" ||
		m.Config.Digest != "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a" {
		t.Errorf("config %+v is not OCI's empty descriptor", m.Config)
	}
	if len(m.Layers) != 1 || m.Layers[0].Digest != wantDigest || m.Layers[0].MediaType != types.OCILayer {
		t.Fatalf("layers %+v, want the adapter layer %s", m.Layers, wantDigest)
	}
	if !strings.HasSuffix(m.Layers[0].Annotations[TitleAnnotation], "-"+want.Platform.LambdaArch()+".tar.gz") || m.Annotations[VersionAnnotation] != "1.2.3" {
		t.Errorf("annotations %v / %v", m.Layers[0].Annotations, m.Annotations)
	}
}

func TestSinglePlatformIsAManifest(t *testing.T) {
	ls := layers(t)[1:]
	a, err := New(ls, "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if _, isIndex := a.(v1.ImageIndex); isIndex || len(a.Images()) != 1 {
		t.Fatalf("one platform gave %T, want a manifest", a)
	}
	checkManifest(t, a.Images()[0].Image, ls[0])
}

// TestPushedAndPulledBack pushes the two-platform artifact to an in-process registry and pulls it
// back by tag and by each manifest's digest: the layer blobs are the ones pushed.
func TestPushedAndPulledBack(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	ls := layers(t)
	a, err := New(ls, "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	idx := a.(v1.ImageIndex)
	tag, _ := name.NewTag(strings.TrimPrefix(srv.URL, "http://")+"/adapter-layer:1.2.3", name.Insecure)
	if err := remote.WriteIndex(tag, idx); err != nil {
		t.Fatal(err)
	}
	got, err := remote.Index(tag)
	if err != nil {
		t.Fatal(err)
	}
	im, err := got.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if im.MediaType != types.OCIImageIndex || len(im.Manifests) != 2 {
		t.Fatalf("index %+v", im)
	}
	for i, d := range im.Manifests {
		if d.ArtifactType != Type || d.Platform == nil || d.Platform.String() != ls[i].Platform.OCI().String() {
			t.Errorf("index entry %d: artifactType %q platform %v", i, d.ArtifactType, d.Platform)
		}
		img, err := remote.Image(tag.Context().Digest(d.Digest.String()))
		if err != nil {
			t.Fatal(err)
		}
		checkManifest(t, img, ls[i])
		want, _ := ls[i].Layer.Digest()
		l, err := img.LayerByDigest(want)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		h, _, err := v1.SHA256(rc)
		rc.Close()
		if err != nil || h != want {
			t.Fatalf("pulled layer hashes to %s (%v), want %s", h, err, want)
		}
	}
}
