package commands

import (
	"debug/elf"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/lwa-go/lwa/internal/testenv"
	"github.com/lwa-go/lwa/packager/image/imagetest"
)

func imageReportOf(t *testing.T, r run) imageReport {
	t.Helper()
	if r.err != nil {
		t.Fatalf("lwa-pack: %v\n%s", r.err, r.stderr)
	}
	var rep imageReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	return rep
}

func TestImagePushPullSameDigest(t *testing.T) {
	host := testenv.InProcessRegistry(t)
	bins := binFlags(t)
	ref := host + "/lwa/lambda-adapter:1.0.0"
	oci := filepath.Join(t.TempDir(), "oci")
	rep := imageReportOf(t, runApp(t, Options{}, append([]string{"image", "--json", "--version", "1.0.0",
		"--push", ref, "--tag", "latest", "--output", "oci:" + oci}, bins...)...))

	if rep.MediaType != string(types.OCIImageIndex) || len(rep.Images) != 2 || len(rep.Outputs) != 3 {
		t.Fatalf("report %+v", rep)
	}
	for _, tag := range []string{ref, host + "/lwa/lambda-adapter:latest"} {
		idx, err := remote.Index(parseRef(t, tag))
		if err != nil {
			t.Fatal(err)
		}
		d, _ := idx.Digest()
		if d.String() != rep.Digest {
			t.Fatalf("%s: pulled %s, pushed %s", tag, d, rep.Digest)
		}
		if err := validate.Index(idx); err != nil {
			t.Fatalf("validate %s: %v", tag, err)
		}
	}
	// The layout holds the same index.
	p, err := layout.FromPath(oci)
	if err != nil {
		t.Fatal(err)
	}
	li, _ := p.ImageIndex()
	lm, _ := li.IndexManifest()
	if len(lm.Manifests) != 1 || lm.Manifests[0].Digest.String() != rep.Digest || lm.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "1.0.0" {
		t.Fatalf("layout index %+v", lm)
	}

	// Reproducible: a second run pushes the same digest.
	rep2 := imageReportOf(t, runApp(t, Options{}, append([]string{"image", "--json", "--version", "1.0.0", "--push", host + "/other:x"}, bins...)...))
	if rep2.Digest != rep.Digest {
		t.Fatalf("second run: %s, first %s", rep2.Digest, rep.Digest)
	}
}

func TestImageSinglePlatformTarball(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	tarPath := filepath.Join(t.TempDir(), "out", "adapter.tar")
	rep := imageReportOf(t, runApp(t, Options{}, "image", "--json", "--output", "tar:"+tarPath,
		"--binary", "linux/arm64="+fakeELF(t, elf.EM_AARCH64, "arm64")))
	if rep.MediaType != string(types.OCIManifestSchema1) || len(rep.Images) != 1 || rep.Outputs[0].Path != tarPath {
		t.Fatalf("report %+v", rep)
	}
	img, err := tarball.ImageFromPath(tarPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := img.ConfigFile()
	if cfg.Architecture != "arm64" || cfg.Variant != "v8" {
		t.Fatalf("tarball config %+v", cfg)
	}
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(tarPath) })
	if err != nil || len(m) != 1 || len(m[0].RepoTags) != 1 || m[0].RepoTags[0] != "lambda-adapter:dev" {
		t.Fatalf("tarball manifest %+v %v", m, err)
	}
}

func parseRef(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// pushBase pushes a multi-arch Docker manifest list like buildx makes: amd64, arm64/v8, an
// attestation manifest, with a config users set.
func pushBase(t *testing.T, ref string, platforms ...v1.Platform) v1.Hash {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.DockerManifestList)
	for _, p := range platforms {
		img, err := random.Image(256, 2)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := img.ConfigFile()
		cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
		cfg.Config = v1.Config{Entrypoint: []string{"/app"}, Cmd: []string{"serve"}, Env: []string{"PORT=8000"}, WorkingDir: "/srv", Labels: map[string]string{"team": "web"}}
		img, err = mutate.ConfigFile(img, cfg)
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p, Annotations: map[string]string{"arch": p.Architecture}}})
	}
	att, _ := random.Image(64, 1)
	idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
		Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
		Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest"},
	}})
	if err := remote.WriteIndex(parseRef(t, ref), idx); err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	return d
}

func TestImageOntoBase(t *testing.T) {
	host := testenv.InProcessRegistry(t)
	base := host + "/app:1"
	pushBase(t, base, v1.Platform{OS: "linux", Architecture: "amd64"}, v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"})
	bins := binFlags(t)

	r := runApp(t, Options{}, append([]string{"image", "--json", "--base", base, "--push", host + "/app:1-lwa"}, bins...)...)
	rep := imageReportOf(t, r)
	if !strings.Contains(r.stderr, "leaving out the base's attestation-manifest entry") {
		t.Errorf("stderr does not mention the dropped attestation:\n%s", r.stderr)
	}
	idx, err := remote.Index(parseRef(t, host+"/app:1-lwa"))
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	if im.MediaType != types.DockerManifestList || len(im.Manifests) != 2 {
		t.Fatalf("pushed index %+v", im)
	}
	for i, want := range []string{"linux/amd64", "linux/arm64/v8"} {
		d := im.Manifests[i]
		if d.Platform.String() != want || d.Annotations["arch"] != d.Platform.Architecture || d.MediaType != types.DockerManifestSchema2 {
			t.Errorf("entry %d: %+v", i, d)
		}
		img, _ := idx.Image(d.Digest)
		cfg, _ := img.ConfigFile()
		if cfg.Config.WorkingDir != "/srv" || cfg.Config.Entrypoint[0] != "/app" || cfg.Config.Labels["team"] != "web" {
			t.Errorf("config not kept: %+v", cfg.Config)
		}
		m, _ := img.Manifest()
		if len(m.Layers) != 3 || m.Layers[2].MediaType != types.DockerLayer {
			t.Errorf("layers %+v", m.Layers)
		}
	}
	if rep.Digest != imagetest.Digest(t, idx).String() {
		t.Errorf("reported %s", rep.Digest)
	}

	// One platform gives one image, which is what a Lambda function takes.
	rep = imageReportOf(t, runApp(t, Options{}, append([]string{"image", "--json", "--base", base, "--platform", "linux/arm64", "--push", host + "/app:arm"}, bins...)...))
	desc, err := remote.Get(parseRef(t, host+"/app:arm"))
	if err != nil {
		t.Fatal(err)
	}
	if desc.MediaType != types.DockerManifestSchema2 || desc.Digest.String() != rep.Digest {
		t.Fatalf("single-platform push: %s %s, reported %s", desc.MediaType, desc.Digest, rep.Digest)
	}
}

// TestImageLayerOnly: the layer files in --output DIR, and with --push an OCI artifact tagged
// latest (no tag given) and with --tag, whose layers are the files' blobs.
func TestImageLayerOnly(t *testing.T) {
	host := testenv.InProcessRegistry(t)
	dir := filepath.Join(t.TempDir(), "layers")
	r := runApp(t, Options{}, append([]string{"image", "--layer-only", "--version", "2.0",
		"--output", dir, "--push", host + "/layers", "--tag", "2.0", "--tag", "stable"}, binFlags(t)...)...)
	if r.err != nil {
		t.Fatal(r.err)
	}
	// No tag in --push: the first --tag is the tag, the others point at the same digest.
	rep := imageReportOf(t, runApp(t, Options{}, append([]string{"image", "--json", "--layer-only", "--version", "2.0",
		"--output", dir, "--push", host + "/layers"}, binFlags(t)...)...))
	if len(rep.Layers) != 2 || len(rep.Outputs) != 1 || rep.Outputs[0].Tag != "latest" || rep.Outputs[0].Ref != host+"/layers:latest@"+rep.Outputs[0].Digest {
		t.Fatalf("report %+v", rep)
	}
	for _, line := range []string{"pushed " + host + "/layers:2.0@" + rep.Outputs[0].Digest, "pushed " + host + "/layers:stable@" + rep.Outputs[0].Digest} {
		if !strings.Contains(r.stdout, line+"\n") {
			t.Errorf("output lacks %q:\n%s", line, r.stdout)
		}
	}
	idx, err := remote.Index(parseRef(t, host+"/layers:latest"))
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 2 || im.Manifests[0].ArtifactType != "application/vnd.lwa.lambda-adapter.layer.v1+tar" {
		t.Fatalf("pushed index %+v", im)
	}
	for i, l := range rep.Layers {
		if l.MediaType != string(types.OCILayer) || !strings.HasSuffix(l.Path, ".tar.gz") {
			t.Errorf("layer %+v", l)
		}
		blob, _ := os.ReadFile(l.Path)
		if fmt.Sprintf("%d", len(blob)) != fmt.Sprint(l.Size) {
			t.Errorf("%s: %d bytes, descriptor says %d", l.Path, len(blob), l.Size)
		}
		descFile, _ := os.ReadFile(strings.TrimSuffix(l.Path, ".tar.gz") + ".json")
		if !strings.Contains(string(descFile), l.Digest) || !strings.Contains(string(descFile), l.DiffID) {
			t.Errorf("descriptor file %s", descFile)
		}
		img, err := idx.Image(im.Manifests[i].Digest)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := img.Manifest()
		if len(m.Layers) != 1 || m.Layers[0].Digest.String() != l.Digest || m.Layers[0].Size != l.Size {
			t.Errorf("artifact %d layers %+v, want %s", i, m.Layers, l.Digest)
		}
	}
	if want := "lambda-adapter-oci-layer-2.0-x86_64.tar.gz"; filepath.Base(rep.Layers[0].Path) != want {
		t.Errorf("layer file %s, want %s", rep.Layers[0].Path, want)
	}
}

// unauthorized answers every request with a Basic challenge, recording the Authorization
// headers it was sent.
type unauthorized struct{ sawAuth bool }

func (u *unauthorized) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		u.sawAuth = true
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
}

func TestImageRegistryErrors(t *testing.T) {
	host := testenv.InProcessRegistry(t)
	bins := binFlags(t)

	s390 := host + "/s390x:1"
	pushBase(t, s390, v1.Platform{OS: "linux", Architecture: "s390x"})
	corrupt := host + "/corrupt:1"
	pushCorrupt(t, corrupt)

	// A port nothing listens on.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()

	// A registry that refuses the credentials the docker config has for it.
	u := &unauthorized{}
	authSrv := httptest.NewServer(u)
	defer authSrv.Close()
	authHost := strings.TrimPrefix(authSrv.URL, "http://")
	const secret = "s3cr3t-Passw0rd"
	cfgDir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("deployer:" + secret))
	os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(`{"auths":{"`+authHost+`":{"auth":"`+auth+`"}}}`), 0o600)

	for _, tc := range []struct {
		name      string
		args      []string
		dockerCfg string
		prefix    string
		contains  string
	}{
		{name: "base not found", args: []string{"--base", host + "/nope:1", "--push", host + "/x:1"},
			prefix: "--base " + host + "/nope:1: not found in registry " + host + ": ", contains: "NAME_UNKNOWN"},
		{name: "base without amd64 or arm64", args: []string{"--base", s390, "--push", host + "/x:1"},
			prefix: "--base " + s390 + ": has no linux/amd64 or linux/arm64 image (has: linux/s390x)"},
		{name: "corrupt base layer", args: []string{"--base", corrupt, "--push", host + "/x:1"},
			prefix: "--base " + corrupt + ": linux/amd64: read base layer 0 (sha256:"},
		{name: "unreachable registry", args: []string{"--push", closed + "/x:1"},
			prefix: "--push " + closed + "/x:1: cannot reach registry " + closed + ": ", contains: "connection refused"},
		{name: "unreachable base", args: []string{"--base", closed + "/x:1", "--output", "oci:" + t.TempDir()},
			prefix: "--base " + closed + "/x:1: cannot reach registry " + closed + ": ", contains: "connection refused"},
		{name: "401", args: []string{"--push", authHost + "/x:1"}, dockerCfg: cfgDir,
			prefix:   "--push " + authHost + "/x:1: registry " + authHost + " refused the credentials (HTTP 401): log in with `docker login " + authHost + "`, or point DOCKER_CONFIG at a config that has them: ",
			contains: "UNAUTHORIZED"},
		{name: "invalid push ref", args: []string{"--push", "Bad Ref!"},
			prefix: `--push "Bad Ref!": "Bad Ref!" has white space: a reference is REGISTRY/REPOSITORY[:TAG] without spaces`},
		{name: "upper-case base", args: []string{"--base", "UPPER/Case::x", "--push", host + "/x:1"},
			prefix: `--base "UPPER/Case::x": not an image reference: repository "UPPER/Case" has upper-case letters (repository names are lower-case: upper/case); "::x" has more than one ':' after the repository (a reference ends in at most one :TAG)`},
		{name: "invalid base ref", args: []string{"--base", "x@sha256:123", "--push", host + "/x:1"},
			prefix: `--base "x@sha256:123": not an image reference: digest "sha256:123" is not sha256: and 64 lower-case hex digits`},
		{name: "push by digest", args: []string{"--push", host + "/x@sha256:" + strings.Repeat("a", 64)},
			prefix: `--push "` + host + `/x@sha256:` + strings.Repeat("a", 64) + `": a digest names what was pushed, not where to push: give REPO or REPO:TAG`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.dockerCfg != "" {
				t.Setenv("DOCKER_CONFIG", tc.dockerCfg)
			}
			start := time.Now()
			r := runApp(t, Options{}, append(append([]string{"image"}, tc.args...), bins...)...)
			if r.err == nil || !strings.HasPrefix(r.err.Error(), tc.prefix) || !strings.Contains(r.err.Error(), tc.contains) {
				t.Fatalf("err = %v\nwant prefix %s\nand %q", r.err, tc.prefix, tc.contains)
			}
			if time.Since(start) > 10*time.Second {
				t.Errorf("took %v to fail", time.Since(start))
			}
			all := r.err.Error() + r.stdout + r.stderr
			if strings.Contains(all, secret) || strings.Contains(all, auth) {
				t.Fatalf("credentials printed: %s", all)
			}
		})
	}
	if !u.sawAuth {
		t.Error("the 401 registry never saw the credentials, so the test proved nothing")
	}
}

// pushCorrupt pushes an amd64 image whose only layer blob is not a tar stream.
func pushCorrupt(t *testing.T, ref string) {
	t.Helper()
	img := mutate.MediaType(empty.Image, types.DockerManifestSchema2)
	cfg, _ := img.ConfigFile()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	img, _ = mutate.ConfigFile(img, cfg)
	img, err := mutate.Append(img, mutate.Addendum{Layer: static.NewLayer([]byte("this is not a tar stream"), types.DockerLayer)})
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(parseRef(t, ref), img); err != nil {
		t.Fatal(err)
	}
}

func TestImageFlagErrors(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	amd := "linux/amd64=" + fakeELF(t, elf.EM_X86_64, "amd64")
	notLayout := t.TempDir()
	os.WriteFile(filepath.Join(notLayout, "precious.txt"), []byte("keep me"), 0o644)
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"nothing to write", nil, "nothing to write: pass --output oci:DIR, --output tar:FILE or --push REF"},
		{"layer-only nothing to write", []string{"--layer-only"}, "nothing to write: pass --output DIR or --push REPO"},
		{"bad output kind", []string{"--output", "dist/x"}, `--output "dist/x": want oci:DIR or tar:FILE`},
		{"empty oci", []string{"--output", "oci:"}, `--output "oci:": oci: needs a directory, e.g. oci:dist/lambda-adapter-oci`},
		{"empty tar", []string{"--output", "tar:"}, `--output "tar:": tar: needs a file name, e.g. tar:dist/lambda-adapter.tar`},
		{"oci onto a non-layout dir", []string{"--output", "oci:" + notLayout},
			`--output "oci:` + notLayout + `": ` + notLayout + ` exists and is not an OCI layout: remove it or choose another directory`},
		{"oci onto a file", []string{"--output", "oci:" + file}, `--output "oci:` + file + `": ` + file + ` exists and is not a directory`},
		{"tar onto a dir", []string{"--output", "tar:" + notLayout}, `--output "tar:` + notLayout + `": ` + notLayout + ` is a directory`},
		{"layer-only with oci", []string{"--layer-only", "--output", "oci:x"}, `--output "oci:x": with --layer-only, give a directory`},
		{"layer-only with base", []string{"--layer-only", "--base", "x"}, "--base and --layer-only cannot be used together"},
		{"tag without push", []string{"--tag", "latest", "--output", "oci:x"}, "--tag needs --push: tags name what is pushed to the --push repository"},
		{"bad tag", []string{"--push", "127.0.0.1:1/x", "--tag", "a/b"}, `--tag "a/b": tag "a/b": '/' is not allowed there (a tag is 1 to 128 letters, digits, _ . and -, not starting with . or -)`},
		{"build metadata tag", []string{"--push", "127.0.0.1:1/x", "--tag", "1.2.3+build"}, `--tag "1.2.3+build": tag "1.2.3+build": '+' is not allowed there`},
		{"bad name", []string{"--name", "Bad Name", "--output", "oci:x"}, `--name "Bad Name": "Bad Name" has white space: a reference is REGISTRY/REPOSITORY[:TAG] without spaces`},
		{"bad platform", []string{"--platform", "linux/arm/v7", "--output", "oci:x"},
			`--platform: unsupported platform "linux/arm/v7" (supported: linux/amd64, linux/arm64, all)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runApp(t, Options{}, append(append([]string{"image"}, tc.args...), "--binary", amd)...)
			if r.err == nil || !strings.HasPrefix(r.err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant  %s", r.err, tc.want)
			}
		})
	}
	if data, _ := os.ReadFile(filepath.Join(notLayout, "precious.txt")); string(data) != "keep me" {
		t.Fatal("a non-layout directory was touched")
	}
}
