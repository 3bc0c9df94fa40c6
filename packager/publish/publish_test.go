package publish

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/image/imagetest"
	"github.com/lwa-go/lwa/packager/platform"
)

func adapterResult(t *testing.T, platforms ...platform.Platform) image.Result {
	t.Helper()
	return imagetest.Adapter(t, "1.2.3", platforms...)
}

// layoutEntry reads back the layout at dir and returns its single index.json entry.
func layoutEntry(t *testing.T, dir string) (layout.Path, v1.Descriptor) {
	t.Helper()
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("index.json has %d entries, want 1", len(im.Manifests))
	}
	return p, im.Manifests[0]
}

func TestLayoutIndexRoundTrips(t *testing.T) {
	r := adapterResult(t, platform.All()...)
	dir := filepath.Join(t.TempDir(), "oci")
	res, err := Layout{Dir: dir, RefName: "1.2.3"}.Publish(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	want := imagetest.Digest(t, r)
	if len(res) != 1 || res[0].Kind != "oci" || res[0].Path != dir || res[0].Digest != want.String() {
		t.Fatalf("results %+v, want one oci result at %s with %s", res, dir, want)
	}
	p, d := layoutEntry(t, dir)
	if d.Digest != want || d.MediaType != types.OCIImageIndex || d.Annotations[refNameAnnotation] != "1.2.3" {
		t.Fatalf("index.json entry %+v, want %s %s named 1.2.3", d, want, types.OCIImageIndex)
	}
	top, _ := p.ImageIndex()
	idx, err := top.ImageIndex(d.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatalf("validate: %v", err)
	}
	im, _ := idx.IndexManifest()
	for i, pi := range r.Images() {
		if got := im.Manifests[i]; got.Digest != imagetest.Digest(t, pi.Image) || got.Platform.String() != pi.Platform.OCI().String() {
			t.Errorf("entry %d: %s %v, want %s %s", i, got.Digest, got.Platform, imagetest.Digest(t, pi.Image), pi.Platform)
		}
	}
}

func TestLayoutSingleImage(t *testing.T) {
	r := adapterResult(t, platform.ARM64)
	dir := t.TempDir() // an empty directory is accepted
	if _, err := (Layout{Dir: dir, RefName: "x"}).Publish(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	p, d := layoutEntry(t, dir)
	// No artifactType: skopeo drops it when copying, which would change index.json between copies.
	if d.Digest != imagetest.Digest(t, r) || d.MediaType != types.OCIManifestSchema1 || d.ArtifactType != "" {
		t.Fatalf("entry %+v, want the image %s with no artifactType", d, imagetest.Digest(t, r))
	}
	img, err := p.Image(d.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Fatalf("validate: %v", err)
	}
}

func TestLayoutReplacesLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "oci")
	first, second := imagetest.Adapter(t, "1", platform.AMD64), imagetest.Adapter(t, "2", platform.All()...)
	for _, r := range []image.Result{first, second} {
		if _, err := (Layout{Dir: dir, RefName: "x"}).Publish(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	if _, d := layoutEntry(t, dir); d.Digest != imagetest.Digest(t, second) {
		t.Fatalf("layout holds %s, want the second publish %s", d.Digest, imagetest.Digest(t, second))
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs", "sha256", imagetest.Digest(t, first).Hex)); err == nil {
		t.Error("the first image's manifest is still in the replaced layout")
	}
}

func TestLayoutRefusesOtherDirectories(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	full := filepath.Join(tmp, "full")
	os.WriteFile(file, []byte("x"), 0o644)
	os.MkdirAll(full, 0o755)
	os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o644)
	for _, tc := range []struct{ dir, want string }{
		{file, file + " exists and is not a directory"},
		{full, full + " exists and is not an OCI layout: remove it or choose another directory"},
	} {
		l := Layout{Dir: tc.dir, RefName: "x"}
		if err := l.Check(); err == nil || err.Error() != tc.want {
			t.Errorf("Check %s: %v, want %q", tc.dir, err, tc.want)
		}
		if _, err := l.Publish(t.Context(), adapterResult(t, platform.AMD64)); err == nil || err.Error() != tc.want {
			t.Errorf("Publish %s: %v, want %q", tc.dir, err, tc.want)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(full, "keep.txt")); string(data) != "mine" {
		t.Errorf("the refused directory was changed: keep.txt = %q", data)
	}
}

func TestTarballPerPlatform(t *testing.T) {
	r := adapterResult(t, platform.All()...)
	ref := name.MustParseReference("example.com/lambda-adapter:1.2.3").(name.Tag)
	path := filepath.Join(t.TempDir(), "sub", "app.tar")
	res, err := Tarball{Path: path, Ref: ref}.Publish(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("results %+v, want one per platform", res)
	}
	for i, pi := range r.Images() {
		want := strings.TrimSuffix(path, ".tar") + "-" + pi.Platform.LambdaArch() + ".tar"
		if res[i].Path != want || res[i].Platform != pi.Platform.String() || res[i].Digest != imagetest.Digest(t, pi.Image).String() {
			t.Errorf("result %d: %+v, want %s for %s", i, res[i], want, pi.Platform)
		}
		img, err := tarball.ImageFromPath(want, &ref)
		if err != nil {
			t.Fatalf("read back %s as %s: %v", want, ref, err)
		}
		sameContent(t, want, img, pi.Image)
	}
}

func TestTarballSingleImageKeepsName(t *testing.T) {
	r := adapterResult(t, platform.AMD64)
	ref := name.MustParseReference("app:v1").(name.Tag)
	path := filepath.Join(t.TempDir(), "app.tar")
	res, err := Tarball{Path: path, Ref: ref}.Publish(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Path != path || res[0].Platform != "" || res[0].Digest != imagetest.Digest(t, r).String() {
		t.Fatalf("results %+v, want %s with the image's digest and no platform", res, path)
	}
	img, err := tarball.ImageFromPath(path, &ref)
	if err != nil {
		t.Fatal(err)
	}
	sameContent(t, path, img, r.Images()[0].Image)
}

// sameContent fails unless got (read back from a docker tarball, whose manifest is docker's own)
// has want's config and layers.
func sameContent(t *testing.T, path string, got, want v1.Image) {
	t.Helper()
	gc, err := got.ConfigName()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	wc, _ := want.ConfigName()
	gl, err := got.Layers()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	wl, _ := want.Layers()
	if gc != wc || len(gl) != len(wl) {
		t.Fatalf("%s: config %s with %d layers, want %s with %d", path, gc, len(gl), wc, len(wl))
	}
	for i := range gl {
		if imagetest.Digest(t, gl[i]) != imagetest.Digest(t, wl[i]) {
			t.Errorf("%s: layer %d is %s, want %s", path, i, imagetest.Digest(t, gl[i]), imagetest.Digest(t, wl[i]))
		}
	}
}

func TestTarballRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	tb := Tarball{Path: dir, Ref: name.MustParseReference("app:v1").(name.Tag)}
	want := dir + " is a directory"
	if _, err := tb.Publish(t.Context(), adapterResult(t, platform.AMD64)); err == nil || err.Error() != want {
		t.Fatalf("Publish: %v, want %q", err, want)
	}
}

func TestParseOutput(t *testing.T) {
	ref := name.MustParseReference("app:v1").(name.Tag)
	for _, tc := range []struct {
		value, want, err string
	}{
		{value: "oci:dist/img", want: "oci:dist/img"},
		{value: "tar:dist/app.tar", want: "tar:dist/app.tar"},
		{value: "oci:", err: "oci: needs a directory, e.g. oci:dist/lambda-adapter-oci"},
		{value: "tar:", err: "tar: needs a file name, e.g. tar:dist/lambda-adapter.tar"},
		{value: "tar:dist/", err: "tar: needs a file name, e.g. tar:dist/lambda-adapter.tar"},
		{value: "dist/img", err: "want oci:DIR or tar:FILE"},
	} {
		p, err := ParseOutput(tc.value, ref)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: %v, want %q", tc.value, err, tc.err)
			}
			continue
		}
		if err != nil || p.String() != tc.want {
			t.Errorf("%q: %v %v, want %s", tc.value, p, err, tc.want)
		}
		if _, ok := p.(Checker); !ok {
			t.Errorf("%q: %T is not a Checker", tc.value, p)
		}
	}
}
