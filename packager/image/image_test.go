package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/lwa-go/lwa/packager/platform"
)

var created = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func bins() []Binary {
	return []Binary{
		{Platform: platform.AMD64, Data: []byte("amd64 adapter binary")},
		{Platform: platform.ARM64, Data: []byte("arm64 adapter binary")},
	}
}

func binMap() map[platform.Platform][]byte {
	m := map[platform.Platform][]byte{}
	for _, b := range bins() {
		m[b.Platform] = b.Data
	}
	return m
}

type tarEntry struct {
	hdr  tar.Header
	data string
}

// layerEntries reads every entry of the image's last layer.
func layerEntries(t *testing.T, img v1.Image) (types.MediaType, []tarEntry) {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	l := ls[len(ls)-1]
	mt, _ := l.MediaType()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var out []tarEntry
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return mt, out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out = append(out, tarEntry{*h, string(data)})
	}
}

// as returns r as a T (v1.Image or v1.ImageIndex), failing the test if it is not one.
func as[T any](t *testing.T, r Result) T {
	t.Helper()
	v, ok := r.(T)
	if !ok {
		t.Fatalf("want a %s, got %T", reflect.TypeFor[T](), r)
	}
	return v
}

func TestAdapterIndex(t *testing.T) {
	a, err := Adapter(t.Context(), bins(), Options{Version: "1.2.3", Created: created})
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(as[v1.ImageIndex](t, a)); err != nil {
		t.Fatalf("validate: %v", err)
	}
	im, _ := as[v1.ImageIndex](t, a).IndexManifest()
	if im.MediaType != types.OCIImageIndex || len(im.Manifests) != 2 {
		t.Fatalf("index %+v", im)
	}
	wantPlat := []string{"linux/amd64", "linux/arm64/v8"}
	for i, d := range im.Manifests {
		if d.Platform.String() != wantPlat[i] || d.ArtifactType != "" || d.MediaType != types.OCIManifestSchema1 {
			t.Errorf("entry %d: platform %v artifactType %q media type %s", i, d.Platform, d.ArtifactType, d.MediaType)
		}
		img, _ := as[v1.ImageIndex](t, a).Image(d.Digest)
		m, _ := img.Manifest()
		if m.Config.MediaType != types.OCIConfigJSON {
			t.Errorf("config media type %s", m.Config.MediaType)
		}
		cfg, _ := img.ConfigFile()
		if cfg.OS+"/"+cfg.Architecture != bins()[i].Platform.String() || (i == 1 && cfg.Variant != "v8") {
			t.Errorf("config platform %s/%s/%s", cfg.OS, cfg.Architecture, cfg.Variant)
		}
		if !cfg.Created.Time.Equal(created) || cfg.Config.Labels["org.opencontainers.image.version"] != "1.2.3" {
			t.Errorf("config created %v labels %v", cfg.Created, cfg.Config.Labels)
		}
		mt, entries := layerEntries(t, img)
		if mt != types.OCILayer {
			t.Errorf("layer media type %s", mt)
		}
		want := []struct {
			name string
			typ  byte
			mode int64
			link string
			data string
		}{
			{"opt/", tar.TypeDir, 0o755, "", ""},
			{"opt/extensions/", tar.TypeDir, 0o755, "", ""},
			{"opt/extensions/lambda-adapter", tar.TypeReg, 0o755, "", string(bins()[i].Data)},
			{"lambda-adapter", tar.TypeLink, 0o755, "opt/extensions/lambda-adapter", ""},
		}
		if len(entries) != len(want) {
			t.Fatalf("layer has %d entries, want %d", len(entries), len(want))
		}
		for j, w := range want {
			h := entries[j].hdr
			if h.Name != w.name || h.Typeflag != w.typ || h.Mode != w.mode || h.Linkname != w.link ||
				entries[j].data != w.data || h.Uid != 0 || h.Gid != 0 || !h.ModTime.Equal(created) {
				t.Errorf("entry %d: %+v %q, want %+v", j, h, entries[j].data, w)
			}
		}
	}
}

func TestAdapterSinglePlatform(t *testing.T) {
	a, err := Adapter(t.Context(), bins()[1:], Options{Version: "x", Created: created})
	if err != nil {
		t.Fatal(err)
	}
	if _, isIndex := a.(v1.ImageIndex); isIndex || len(a.Images()) != 1 {
		t.Fatalf("want a single image, got %+v", a)
	}
	if err := validate.Image(as[v1.Image](t, a)); err != nil {
		t.Fatal(err)
	}
}

func TestAdapterReproducible(t *testing.T) {
	digest := func(o Options) v1.Hash {
		a, err := Adapter(t.Context(), bins(), o)
		if err != nil {
			t.Fatal(err)
		}
		d, err := a.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	one, two := digest(Options{Version: "v", Created: created}), digest(Options{Version: "v", Created: created})
	if one != two {
		t.Fatalf("two builds differ: %s %s", one, two)
	}
	if other := digest(Options{Version: "v", Created: created.Add(time.Second)}); other == one {
		t.Fatal("a different time gave the same digest")
	}
}

// layerOf builds a layer of the given media type from tar headers (directories and symlinks).
func layerOf(t *testing.T, mt types.MediaType, hdrs ...tar.Header) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, tarball.WithMediaType(mt))
	if err != nil {
		t.Fatal(err)
	}
	return plainLayer{l}
}

// baseConfig is what a user's image config has and must keep.
func baseConfig(p v1.Platform) *v1.ConfigFile {
	return &v1.ConfigFile{
		OS: p.OS, Architecture: p.Architecture, Variant: p.Variant,
		Created: v1.Time{Time: time.Date(2023, 3, 3, 0, 0, 0, 0, time.UTC)},
		Config: v1.Config{
			Entrypoint: []string{"/app/server"},
			Cmd:        []string{"--port", "8080"},
			Env:        []string{"PATH=/usr/bin:/bin", "PORT=8080"},
			WorkingDir: "/app",
			Labels:     map[string]string{"team": "web"},
		},
		RootFS: v1.RootFS{Type: "layers"},
	}
}

// baseImage makes an image of the given family with a random layer and a layer holding
// /opt at mode 0700 owned by 1000:1000.
func baseImage(t *testing.T, oci bool, p v1.Platform) v1.Image {
	t.Helper()
	img, layerType := empty.Image, types.DockerLayer
	if oci {
		img = mutate.MediaType(mutate.ConfigMediaType(img, types.OCIConfigJSON), types.OCIManifestSchema1)
		layerType = types.OCILayer
	}
	img, err := mutate.ConfigFile(img, baseConfig(p))
	if err != nil {
		t.Fatal(err)
	}
	rnd, err := random.Layer(512, layerType)
	if err != nil {
		t.Fatal(err)
	}
	opt := layerOf(t, layerType, tar.Header{Typeflag: tar.TypeDir, Name: "./opt/", Mode: 0o700, Uid: 1000, Gid: 1000, Uname: "app", ModTime: time.Unix(1600000000, 0)})
	img, err = mutate.Append(img, mutate.Addendum{Layer: rnd, MediaType: layerType}, mutate.Addendum{Layer: opt, MediaType: layerType})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// multiArchBase makes a base index like buildx pushes: amd64, arm64/v8, s390x, and an
// attestation manifest, with index annotations (OCI only) and per-entry annotations.
func multiArchBase(t *testing.T, oci bool) v1.ImageIndex {
	t.Helper()
	mt := types.DockerManifestList
	if oci {
		mt = types.OCIImageIndex
	}
	idx := mutate.IndexMediaType(empty.Index, mt)
	if oci {
		idx = mutate.Annotations(idx, map[string]string{"org.opencontainers.image.source": "https://example.com/app"}).(v1.ImageIndex)
	}
	for _, p := range []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64", Variant: "v8"}, {OS: "linux", Architecture: "s390x"}} {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        PlainDescriptor(baseImage(t, oci, p)),
			Descriptor: v1.Descriptor{Platform: &p, Annotations: map[string]string{"entry": p.Architecture}},
		})
	}
	att, err := random.Image(100, 1)
	if err != nil {
		t.Fatal(err)
	}
	idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
		Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
		Annotations: map[string]string{attestationAnnotation: "attestation-manifest", "vnd.docker.reference.digest": "sha256:0"},
	}})
	return idx
}

func TestOntoMultiArchBase(t *testing.T) {
	for _, oci := range []bool{false, true} {
		name := map[bool]string{false: "docker", true: "oci"}[oci]
		t.Run(name, func(t *testing.T) {
			base := multiArchBase(t, oci)
			plan, err := PlanBase(Base{Index: base}, platform.All(), false)
			if err != nil {
				t.Fatal(err)
			}
			if got := plan.Platforms(); len(got) != 2 || len(plan.Dropped) != 2 {
				t.Fatalf("platforms %v dropped %v", got, plan.Dropped)
			}
			a, err := plan.Apply(t.Context(), binMap(), Options{Version: "v", Created: created})
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Index(as[v1.ImageIndex](t, a)); err != nil {
				t.Fatalf("validate: %v", err)
			}
			bim, _ := base.IndexManifest()
			im, _ := as[v1.ImageIndex](t, a).IndexManifest()
			if im.MediaType != bim.MediaType || len(im.Manifests) != 2 {
				t.Fatalf("index media type %s, %d entries", im.MediaType, len(im.Manifests))
			}
			if oci && im.Annotations["org.opencontainers.image.source"] != "https://example.com/app" {
				t.Errorf("index annotations %v", im.Annotations)
			}
			for i, d := range im.Manifests {
				bd := bim.Manifests[i]
				if d.Platform.String() != bd.Platform.String() || d.Annotations["entry"] != bd.Platform.Architecture || d.MediaType != bd.MediaType || d.ArtifactType != "" {
					t.Errorf("entry %d: %+v, base %+v", i, d, bd)
				}
				img, _ := as[v1.ImageIndex](t, a).Image(d.Digest)
				baseImg, _ := base.Image(bd.Digest)
				checkAppended(t, baseImg, img, oci)
			}
		})
	}
}

// checkAppended checks that img is baseImg plus the adapter layer, with the base's config, media
// types and /opt metadata.
func checkAppended(t *testing.T, baseImg, img v1.Image, oci bool) {
	t.Helper()
	bm, _ := baseImg.Manifest()
	m, _ := img.Manifest()
	if m.MediaType != bm.MediaType || m.Config.MediaType != bm.Config.MediaType || len(m.Layers) != len(bm.Layers)+1 {
		t.Errorf("manifest %s config %s %d layers; base %s %s %d", m.MediaType, m.Config.MediaType, len(m.Layers), bm.MediaType, bm.Config.MediaType, len(bm.Layers))
	}
	for i := range bm.Layers {
		if m.Layers[i].Digest != bm.Layers[i].Digest {
			t.Errorf("base layer %d changed", i)
		}
	}
	bc, _ := baseImg.ConfigFile()
	c, _ := img.ConfigFile()
	if strings.Join(c.Config.Entrypoint, " ") != "/app/server" || strings.Join(c.Config.Cmd, " ") != "--port 8080" ||
		strings.Join(c.Config.Env, ";") != strings.Join(bc.Config.Env, ";") || c.Config.WorkingDir != "/app" ||
		c.Config.Labels["team"] != "web" || !c.Created.Time.Equal(bc.Created.Time) || c.Architecture != bc.Architecture || c.Variant != bc.Variant {
		t.Errorf("config changed: %+v", c)
	}
	mt, entries := layerEntries(t, img)
	wantType := map[bool]types.MediaType{false: types.DockerLayer, true: types.OCILayer}[oci]
	if mt != wantType {
		t.Errorf("layer media type %s, want %s", mt, wantType)
	}
	if len(entries) != 3 {
		t.Fatalf("layer has %d entries, want 3 (no /lambda-adapter link onto a base)", len(entries))
	}
	opt := entries[0].hdr
	if opt.Name != "opt/" || opt.Mode != 0o700 || opt.Uid != 1000 || opt.Gid != 1000 || opt.Uname != "app" || opt.ModTime.Unix() != 1600000000 {
		t.Errorf("opt/ = %+v, want the base's mode, owner and time", opt)
	}
	if ext := entries[1].hdr; ext.Name != "opt/extensions/" || ext.Mode != 0o755 || ext.Uid != 0 {
		t.Errorf("opt/extensions/ = %+v", ext)
	}
	if bin := entries[2].hdr; bin.Name != "opt/extensions/lambda-adapter" || bin.Mode != 0o755 {
		t.Errorf("binary = %+v", bin)
	}
}

func TestOntoBaseSinglePlatform(t *testing.T) {
	base := multiArchBase(t, true)
	plan, err := PlanBase(Base{Index: base}, []platform.Platform{platform.ARM64}, true)
	if err != nil {
		t.Fatal(err)
	}
	a, err := plan.Apply(t.Context(), binMap(), Options{Version: "v", Created: created})
	if err != nil {
		t.Fatal(err)
	}
	if _, isIndex := a.(v1.ImageIndex); isIndex || len(a.Images()) != 1 || a.Images()[0].Platform != platform.ARM64 {
		t.Fatalf("want a single arm64 image, got %+v", a)
	}
	if err := validate.Image(as[v1.Image](t, a)); err != nil {
		t.Fatal(err)
	}
}

func TestOntoSingleImage(t *testing.T) {
	base := baseImage(t, true, v1.Platform{OS: "linux", Architecture: "amd64"})
	plan, err := PlanBase(Base{Image: base}, platform.All(), false)
	if err != nil {
		t.Fatal(err)
	}
	a, err := plan.Apply(t.Context(), binMap(), Options{Version: "v", Created: created})
	if err != nil {
		t.Fatal(err)
	}
	if _, isIndex := a.(v1.ImageIndex); isIndex || len(a.Images()) != 1 {
		t.Fatalf("want one image, got %+v", a)
	}
	checkAppended(t, base, as[v1.Image](t, a), true)

	// Reproducible: the same base and binary give the same digest.
	b, _ := plan.Apply(t.Context(), binMap(), Options{Version: "v", Created: created})
	d1, _ := a.Digest()
	d2, _ := b.Digest()
	if d1 != d2 {
		t.Fatalf("digests differ: %s %s", d1, d2)
	}
}

func TestPlanBaseErrors(t *testing.T) {
	win := baseImage(t, true, v1.Platform{OS: "windows", Architecture: "amd64"})
	amd := baseImage(t, false, v1.Platform{OS: "linux", Architecture: "amd64"})
	s390 := v1.Platform{OS: "linux", Architecture: "s390x"}
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: baseImage(t, true, s390), Descriptor: v1.Descriptor{Platform: &s390}})
	for _, tc := range []struct {
		name     string
		base     Base
		req      []platform.Platform
		explicit bool
		want     string
	}{
		{"windows image", Base{Image: win}, platform.All(), false, "has no linux/amd64 or linux/arm64 image (has: windows/amd64)"},
		{"s390x index", Base{Index: idx}, platform.All(), false, "has no linux/amd64 or linux/arm64 image (has: linux/s390x)"},
		{"arm64 from an amd64 image", Base{Image: amd}, []platform.Platform{platform.ARM64}, true, "has no linux/arm64 image (has: linux/amd64)"},
		{"both from an amd64 image", Base{Image: amd}, platform.All(), true, "has no linux/arm64 image (has: linux/amd64)"},
		{"empty index", Base{Index: empty.Index}, platform.All(), false, "has no linux/amd64 or linux/arm64 image (has: nothing)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := PlanBase(tc.base, tc.req, tc.explicit)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestBaseDirs(t *testing.T) {
	dir := func(name string, mode int64) tar.Header {
		return tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode, ModTime: created}
	}
	file := func(name string) tar.Header { return tar.Header{Typeflag: tar.TypeReg, Name: name, ModTime: created} }
	for _, tc := range []struct {
		name    string
		layers  [][]tar.Header
		opt     int64 // 0: absent
		ext     int64
		wantErr string
	}{
		{"absent", [][]tar.Header{{dir("etc/", 0o755)}}, 0, 0, ""},
		{"top layer wins", [][]tar.Header{{dir("opt/", 0o700), dir("opt/extensions/", 0o700)}, {dir("/opt", 0o750)}}, 0o750, 0o700, ""},
		{"whiteout hides", [][]tar.Header{{dir("opt/", 0o700), dir("opt/extensions/", 0o711)}, {file("opt/.wh.extensions")}}, 0o700, 0, ""},
		{"opaque hides children", [][]tar.Header{{dir("opt/extensions/", 0o711)}, {dir("opt/", 0o701), file("opt/.wh..wh..opq")}}, 0o701, 0, ""},
		{"opt whiteout hides both", [][]tar.Header{{dir("opt/", 0o700), dir("opt/extensions/", 0o711)}, {file(".wh.opt")}}, 0, 0, ""},
		{"symlink opt", [][]tar.Header{{{Typeflag: tar.TypeSymlink, Name: "opt", Linkname: "/srv"}}}, 0, 0,
			`/opt in the base image is a symbolic link to "/srv", not a directory: the adapter must go in /opt/extensions/lambda-adapter, and adding it would replace what the base has there (make /opt a directory in the base)`},
		{"file extensions", [][]tar.Header{{dir("opt/", 0o755), file("opt/extensions")}}, 0, 0,
			`/opt/extensions in the base image is a regular file, not a directory: the adapter must go in /opt/extensions/lambda-adapter, and adding it would replace what the base has there (make /opt/extensions a directory in the base)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := empty.Image
			for _, hs := range tc.layers {
				var err error
				img, err = mutate.AppendLayers(img, layerOf(t, types.DockerLayer, hs...))
				if err != nil {
					t.Fatal(err)
				}
			}
			scan, err := scanBase(img)
			dirs := scan.dirs
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range map[string]int64{optDir: tc.opt, extensionsDir: tc.ext} {
				h := dirs[name]
				switch {
				case want == 0 && h != nil:
					t.Errorf("%s: found %+v, want absent", name, h)
				case want != 0 && (h == nil || h.Mode != want):
					t.Errorf("%s: %+v, want mode %o", name, h, want)
				}
			}
		})
	}
}

func TestScanBaseFindsAdapter(t *testing.T) {
	dir := func(name string) tar.Header {
		return tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, ModTime: created}
	}
	file := func(name string) tar.Header { return tar.Header{Typeflag: tar.TypeReg, Name: name, ModTime: created} }
	for _, tc := range []struct {
		name   string
		layers [][]tar.Header
		layer  int
		only   bool
	}{
		{"none", [][]tar.Header{{dir("opt/")}}, -1, false},
		{"own layer on top", [][]tar.Header{{file("etc/x")}, {dir("opt/"), dir("opt/extensions/"), file("opt/extensions/lambda-adapter")}}, 1, true},
		{"mixed layer below", [][]tar.Header{{file("app/main"), file("opt/extensions/lambda-adapter")}, {file("etc/y")}}, 0, false},
		{"deleted since", [][]tar.Header{{file("opt/extensions/lambda-adapter")}, {file("opt/extensions/.wh.lambda-adapter")}}, -1, false},
		{"extensions deleted since", [][]tar.Header{{file("opt/extensions/lambda-adapter")}, {file("opt/.wh.extensions")}}, -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := empty.Image
			for _, hs := range tc.layers {
				var err error
				if img, err = mutate.AppendLayers(img, layerOf(t, types.DockerLayer, hs...)); err != nil {
					t.Fatal(err)
				}
			}
			scan, err := scanBase(img)
			if err != nil || scan.adapterLayer != tc.layer || scan.adapterOnly != tc.only {
				t.Fatalf("scan = layer %d only %v (%v), want layer %d only %v", scan.adapterLayer, scan.adapterOnly, err, tc.layer, tc.only)
			}
		})
	}
}

// TestBaseWithAdapterReplaced: appending onto an image lwa-pack already made takes its adapter
// layer out (same layer count, the new binary on top, a warning with both versions); an adapter
// inside another layer is overwritten at its path by one new layer, with a warning too.
func TestBaseWithAdapterReplaced(t *testing.T) {
	base, err := random.Image(100, 1)
	if err != nil {
		t.Fatal(err)
	}
	first, err := appendAdapter(base, platform.AMD64, []byte("adapter one"), Options{Version: "1.0.0", Created: created})
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	warn := func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) }
	second, err := appendAdapter(first, platform.AMD64, []byte("adapter two"), Options{Version: "2.0.0", Created: created, Warn: warn})
	if err != nil {
		t.Fatal(err)
	}
	l1, _ := first.Layers()
	l2, _ := second.Layers()
	cfg, _ := second.ConfigFile()
	if len(l2) != len(l1) || len(cfg.RootFS.DiffIDs) != len(l1) || len(cfg.History) != len(l1) {
		t.Fatalf("layers %d → %d, diff ids %d, history %d: the old adapter layer was not taken out", len(l1), len(l2), len(cfg.RootFS.DiffIDs), len(cfg.History))
	}
	if err := validate.Image(second); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, l2[len(l2)-1], "opt/extensions/lambda-adapter"); got != "adapter two" {
		t.Errorf("top layer adapter %q", got)
	}
	want := "linux/amd64: the base already has an adapter (lwa-pack's, version 1.0.0) in its top layer: replacing that layer with the adapter 2.0.0"
	if len(warnings) != 1 || warnings[0] != want {
		t.Errorf("warnings %q, want %q", warnings, want)
	}

	// An adapter copied in by a Dockerfile, next to the app.
	mixed, _ := mutate.Append(base, mutate.Addendum{
		Layer:   layerOf(t, types.DockerLayer, tar.Header{Typeflag: tar.TypeReg, Name: "opt/extensions/lambda-adapter", ModTime: created}, tar.Header{Typeflag: tar.TypeReg, Name: "app/run", ModTime: created}),
		History: v1.History{CreatedBy: "COPY --from=public.ecr.aws/awsguru/aws-lambda-adapter:0.9.1 /lambda-adapter /opt/extensions/lambda-adapter"},
	})
	warnings = nil
	third, err := appendAdapter(mixed, platform.AMD64, []byte("adapter three"), Options{Version: "3.0.0", Created: created, Warn: warn})
	if err != nil {
		t.Fatal(err)
	}
	lm, _ := mixed.Layers()
	l3, _ := third.Layers()
	if len(l3) != len(lm)+1 {
		t.Errorf("layers %d → %d", len(lm), len(l3))
	}
	want = `linux/amd64: the base already has an adapter at /opt/extensions/lambda-adapter (version unknown, added by "COPY --from=public.ecr.aws/awsguru/aws-lambda-adapter:0.9.1 /lambda-adapter /opt/extensions/lambda-adapter"), in layer 1 with other files: the adapter 3.0.0 replaces it at that path`
	if len(warnings) != 1 || warnings[0] != want {
		t.Errorf("warnings %q\nwant %q", warnings, want)
	}
}

// readFile returns the content of name in layer l.
func readFile(t *testing.T, l v1.Layer, name string) string {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in layer: %v", name, err)
		}
		if CleanName(h.Name) == name {
			b, _ := io.ReadAll(tr)
			return string(b)
		}
	}
}
