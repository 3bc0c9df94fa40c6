//go:build e2e

package e2e

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lwa-go/lwa/internal/testenv"
)

type imageJSON struct {
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType"`
	Images    []struct {
		Platform string `json:"platform"`
		Digest   string `json:"digest"`
	} `json:"images"`
	Outputs []struct {
		Kind, Path, Ref, Tag, Platform, Digest string
	} `json:"outputs"`
}

func parseImageJSON(t *testing.T, s string) imageJSON {
	t.Helper()
	var r imageJSON
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("json: %v\n%s", err, s)
	}
	return r
}

func TestE2EImage(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	host := testenv.StartRegistry(t)
	const version = "e2e-2.0"
	ref := host + "/lwa/lambda-adapter:" + version
	oci := filepath.Join(t.TempDir(), "oci")
	tarFile := filepath.Join(t.TempDir(), "adapter.tar")

	stdout, first := pack(t, "image", "--version", version, "--json", "--push", ref, "--tag", "latest",
		"--output", "oci:"+oci, "--output", "tar:"+tarFile)
	rep := parseImageJSON(t, stdout)
	if rep.MediaType != string(types.OCIImageIndex) || len(rep.Images) != 2 {
		t.Fatalf("report %+v", rep)
	}
	t.Logf("lwa-pack image, 2-platform index compiled, built and pushed in %v", first.Round(time.Millisecond))

	// The registry has the index under both tags.
	runTool(t, "crane", "validate", "--remote", ref)
	for _, r := range []string{ref, host + "/lwa/lambda-adapter:latest"} {
		if got := strings.TrimSpace(runTool(t, "crane", "digest", r)); got != rep.Digest {
			t.Errorf("crane digest %s = %s, pushed %s", r, got, rep.Digest)
		}
	}
	var raw v1.IndexManifest
	if err := json.Unmarshal([]byte(runTool(t, "skopeo", "inspect", "--tls-verify=false", "--raw", "docker://"+ref)), &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Manifests) != 2 || raw.Manifests[0].Platform.String() != "linux/amd64" || raw.Manifests[1].Platform.String() != "linux/arm64/v8" {
		t.Fatalf("skopeo --raw: %+v", raw)
	}

	var binaries []string
	for _, arch := range []string{"amd64", "arm64"} {
		var info struct{ Architecture, Os, Digest string }
		if err := json.Unmarshal([]byte(runTool(t, "skopeo", "inspect", "--tls-verify=false", "--override-arch", arch, "docker://"+ref)), &info); err != nil {
			t.Fatal(err)
		}
		if info.Architecture != arch || info.Os != "linux" {
			t.Errorf("skopeo inspect %s: %+v", arch, info)
		}
		var oinfo struct{ Architecture, Digest string }
		if err := json.Unmarshal([]byte(runTool(t, "skopeo", "inspect", "--override-arch", arch, "oci:"+oci+":"+version)), &oinfo); err != nil {
			t.Fatal(err)
		}
		if oinfo.Architecture != arch || oinfo.Digest != rep.Digest {
			t.Errorf("skopeo inspect oci:%s:%s (%s): %+v, want digest %s", oci, version, arch, oinfo, rep.Digest)
		}

		// crane export flattens the image: the binary at /opt/extensions and the /lambda-adapter link.
		exported := filepath.Join(t.TempDir(), "fs.tar")
		runTool(t, "crane", "export", "--platform", "linux/"+arch, ref, exported)
		files := readTar(t, exported)
		bin, ok := files["opt/extensions/lambda-adapter"]
		if !ok || bin.hdr.Mode&0o7777 != 0o755 || bin.hdr.Uid != 0 || bin.hdr.Gid != 0 {
			t.Fatalf("%s: /opt/extensions/lambda-adapter: %+v (found %v)", arch, bin.hdr, ok)
		}
		for _, d := range []string{"opt", "opt/extensions"} {
			if h, ok := files[d]; !ok || h.hdr.Typeflag != tar.TypeDir || h.hdr.Mode&0o7777 != 0o755 {
				t.Errorf("%s: /%s: %+v (found %v)", arch, d, h.hdr, ok)
			}
		}
		link, ok := files["lambda-adapter"]
		if !ok || (link.hdr.Typeflag == tar.TypeLink && link.hdr.Linkname != "opt/extensions/lambda-adapter") {
			t.Errorf("%s: /lambda-adapter: %+v (found %v)", arch, link.hdr, ok)
		}
		path := filepath.Join(t.TempDir(), "lambda-adapter")
		if err := os.WriteFile(path, bin.data, 0o755); err != nil {
			t.Fatal(err)
		}
		checkBinary(t, path, arch, version)
		binaries = append(binaries, "--binary", "linux/"+arch+"="+path)
	}

	// Reproducible: the exported binaries, packed again, give the same index digest (the source
	// may change while the tests run, so the second run does not compile).
	// Compiled from a clean checkout, the first image names its commit; lwa-pack cannot know it
	// for prebuilt binaries, so it is given, as the release does.
	again := []string{"image", "--version", version, "--json", "--push", host + "/again:" + version}
	if rev := craneManifest(t, ref).Annotations["org.opencontainers.image.revision"]; rev != "" {
		again = append(again, "--annotation", "org.opencontainers.image.revision="+rev)
	}
	stdout, againTime := pack(t, append(again, binaries...)...)
	if r := parseImageJSON(t, stdout); r.Digest != rep.Digest {
		t.Errorf("second run pushed %s, first %s", r.Digest, rep.Digest)
	}
	t.Logf("lwa-pack image --binary ..., 2-platform index built and pushed in %v", againTime.Round(time.Millisecond))

	// Copying the layout with skopeo keeps the digest (index descriptors carry no artifactType
	// for it to drop). The layout also lists the SBOM referrers, so the image is named.
	copied := host + "/copied:" + version
	runTool(t, "skopeo", "copy", "--all", "--preserve-digests", "--dest-tls-verify=false", "oci:"+oci+":"+version, "docker://"+copied)
	if got := strings.TrimSpace(runTool(t, "crane", "digest", copied)); got != rep.Digest {
		t.Errorf("skopeo copy of the layout: %s, want %s", got, rep.Digest)
	}

	// The docker tarballs, one per platform.
	for _, arch := range []string{"x86_64", "arm64"} {
		runTool(t, "crane", "validate", "--tarball", strings.TrimSuffix(tarFile, ".tar")+"-"+arch+".tar")
	}
}

func TestE2EImageOntoBase(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	host := testenv.StartRegistry(t)
	base := host + "/app:1"
	pushBase(t, base)

	out := host + "/app:1-lwa"
	stdout, _ := pack(t, "image", "--base", base, "--push", out, "--version", "e2e-base", "--json")
	rep := parseImageJSON(t, stdout)
	if rep.MediaType != string(types.DockerManifestList) || len(rep.Images) != 2 {
		t.Fatalf("report %+v", rep)
	}
	runTool(t, "crane", "validate", "--remote", out)
	for _, arch := range []string{"amd64", "arm64"} {
		var cfg v1.ConfigFile
		if err := json.Unmarshal([]byte(runTool(t, "crane", "config", "--platform", "linux/"+arch, out)), &cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.Architecture != arch || cfg.Config.WorkingDir != "/srv" || strings.Join(cfg.Config.Entrypoint, " ") != "/app serve" {
			t.Errorf("%s config: %+v", arch, cfg.Config)
		}
		var info struct{ Architecture string }
		if err := json.Unmarshal([]byte(runTool(t, "skopeo", "inspect", "--tls-verify=false", "--override-arch", arch, "docker://"+out)), &info); err != nil || info.Architecture != arch {
			t.Errorf("skopeo inspect %s: %+v %v", arch, info, err)
		}
		exported := filepath.Join(t.TempDir(), "fs.tar")
		runTool(t, "crane", "export", "--platform", "linux/"+arch, out, exported)
		files := readTar(t, exported)
		if h, ok := files["opt/extensions/lambda-adapter"]; !ok || h.hdr.Mode&0o777 != 0o755 {
			t.Errorf("%s: no /opt/extensions/lambda-adapter 0755 in %d files", arch, len(files))
		}
		if h, ok := files["opt"]; !ok || h.hdr.Mode&0o777 != 0o750 || h.hdr.Uid != 1000 {
			t.Errorf("%s: /opt lost the base's mode and owner: %+v", arch, h.hdr)
		}
		if _, ok := files["lambda-adapter"]; ok {
			t.Errorf("%s: /lambda-adapter added to a user's image", arch)
		}
	}

	// --platform linux/arm64 pushes one image, as a Lambda function needs.
	stdout, _ = pack(t, "image", "--base", base, "--platform", "linux/arm64", "--push", host+"/app:1-lwa-arm64", "--json")
	if r := parseImageJSON(t, stdout); r.MediaType != string(types.DockerManifestSchema2) {
		t.Errorf("single platform: %s", r.MediaType)
	}
	runTool(t, "crane", "validate", "--remote", host+"/app:1-lwa-arm64")
}

// pushBase pushes a Docker manifest list like buildx makes (amd64, arm64/v8 and an attestation
// manifest), each image with a layer that holds /opt at 0750 owned by 1000.
func pushBase(t *testing.T, ref string) {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.DockerManifestList)
	for _, p := range []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64", Variant: "v8"}} {
		img, err := random.Image(1024, 1)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := img.ConfigFile()
		cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
		cfg.Config = v1.Config{Entrypoint: []string{"/app", "serve"}, Env: []string{"PORT=8000"}, WorkingDir: "/srv"}
		if img, err = mutate.ConfigFile(img, cfg); err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, optLayer(t)); err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	att, _ := random.Image(64, 1)
	idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
		Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
		Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest"},
	}})
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
}

type tarFile struct {
	hdr  tar.Header
	data []byte
}

// readTar reads a tar file into a map by clean name ("opt/extensions/lambda-adapter").
func readTar(t *testing.T, path string) map[string]tarFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]tarFile{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out[strings.Trim(strings.TrimPrefix(h.Name, "./"), "/")] = tarFile{*h, data}
	}
}
