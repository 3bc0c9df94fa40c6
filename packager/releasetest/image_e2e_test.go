//go:build e2e

package releasetest

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// adapterPaths are where the image carries the adapter: the extension directory, and the root
// for `COPY --from=IMAGE /lambda-adapter /opt/extensions/lambda-adapter`.
var adapterPaths = []string{"opt/extensions/lambda-adapter", "lambda-adapter"}

// releaseIndex opens dist/image, the OCI layout of the release's image, and returns the image
// index it names and that index's descriptor.
func releaseIndex(t *testing.T, r release) (v1.ImageIndex, v1.Descriptor) {
	t.Helper()
	dir := filepath.Join(r.dist, "image")
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("%s: not an OCI layout: %v", dir, err)
	}
	im, err := top.IndexManifest()
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	// Besides the release's index, the layout lists the SBOM referrers of its platform images.
	var named []v1.Descriptor
	for _, d := range im.Manifests {
		if d.ArtifactType == "" {
			named = append(named, d)
		} else if d.ArtifactType != "application/spdx+json" {
			t.Fatalf("%s/index.json lists a %s artifact, want only SPDX SBOMs besides the index", dir, d.ArtifactType)
		}
	}
	if len(named) != 1 {
		t.Fatalf("%s/index.json has %d image entries, want the release's index only", dir, len(named))
	}
	desc := named[0]
	if !desc.MediaType.IsIndex() {
		t.Fatalf("%s names a %s, want an image index", dir, desc.MediaType)
	}
	idx, err := top.ImageIndex(desc.Digest)
	if err != nil {
		t.Fatalf("%s: index %s: %v", dir, desc.Digest, err)
	}
	return idx, desc
}

func imageDigest(t *testing.T, r release) string {
	t.Helper()
	_, desc := releaseIndex(t, r)
	return desc.Digest.String()
}

// checkImage: one image per Lambda platform, each carrying goreleaser's adapter binary for it.
func checkImage(t *testing.T, r release) {
	idx, desc := releaseIndex(t, r)
	t.Logf("image index %s", desc.Digest)
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range im.Manifests {
		if m.Platform == nil || m.Platform.OS != "linux" {
			t.Errorf("index entry %s has platform %v, want linux", m.Digest, m.Platform)
			continue
		}
		arch := m.Platform.Architecture
		seen[arch] = true
		img, err := idx.Image(m.Digest)
		if err != nil {
			t.Fatalf("image %s: %v", m.Digest, err)
		}
		files := extract(t, img, adapterPaths)
		want, err := os.ReadFile(r.binary(t, "lambda-adapter", "linux", arch))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range adapterPaths {
			if got, ok := files[p]; !ok {
				t.Errorf("linux/%s image has no /%s", arch, p)
			} else if !bytes.Equal(got, want) {
				t.Errorf("linux/%s image: /%s is not goreleaser's linux/%s build", arch, p, arch)
			}
		}
	}
	if !seen["amd64"] || !seen["arm64"] || len(im.Manifests) != 2 {
		t.Errorf("index has %d images for %v, want linux/amd64 and linux/arm64", len(im.Manifests), seen)
	}
}

// extract reads the named files from an image's flattened filesystem, following hard links
// (the image's /lambda-adapter is one, to /opt/extensions/lambda-adapter).
func extract(t *testing.T, img v1.Image, names []string) map[string][]byte {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	clean := func(n string) string { return strings.TrimPrefix(strings.TrimPrefix(n, "./"), "/") }
	regular := map[string][]byte{}
	links := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read image filesystem: %v", err)
		}
		name := clean(h.Name)
		switch h.Typeflag {
		case tar.TypeReg:
			if slices.Contains(names, name) {
				data, err := io.ReadAll(tr)
				if err != nil {
					t.Fatalf("read /%s: %v", name, err)
				}
				regular[name] = data
			}
		case tar.TypeLink:
			links[name] = clean(h.Linkname)
		}
	}
	out := map[string][]byte{}
	for _, n := range names {
		if data, ok := regular[n]; ok {
			out[n] = data
		} else if data, ok := regular[links[n]]; ok {
			out[n] = data
		}
	}
	return out
}
