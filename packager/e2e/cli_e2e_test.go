//go:build e2e

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lwa-go/lwa/internal/testenv"
)

// TestE2ELayerArtifact pushes the adapter layer alone (--layer-only --push) to Debian's
// docker-registry, then reads it back with crane only: the tag names an OCI index of two artifact
// manifests (our artifactType, OCI's empty config), each layer blob pulled back hashes to the digest
// lwa-pack wrote beside the layer file, and crane append puts that blob onto an image.
func TestE2ELayerArtifact(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	host := testenv.StartRegistry(t)
	repo := host + "/lwa/adapter-layer"
	dir := t.TempDir()
	stdout, _ := pack(t, "image", "--layer-only", "--version", "e2e-3.0", "--json", "--push", repo, "--output", dir)
	rep := parseImageJSON(t, stdout)
	if len(rep.Outputs) != 1 || rep.Outputs[0].Ref != repo+":latest@"+rep.Outputs[0].Digest || rep.Outputs[0].Tag != "latest" {
		t.Fatalf("outputs %+v, want one push to %s:latest (no tag given: latest, as ko does)", rep.Outputs, repo)
	}

	var idx v1.IndexManifest
	raw := runTool(t, "crane", "manifest", repo+":latest")
	if err := json.Unmarshal([]byte(raw), &idx); err != nil {
		t.Fatal(err)
	}
	if byDigest := runTool(t, "crane", "manifest", repo+"@"+rep.Outputs[0].Digest); byDigest != raw {
		t.Errorf("by digest and by tag differ:\n%s\n%s", byDigest, raw)
	}
	if idx.MediaType != "application/vnd.oci.image.index.v1+json" || len(idx.Manifests) != 2 {
		t.Fatalf("crane manifest %s:latest:\n%s", repo, raw)
	}
	for _, d := range idx.Manifests {
		arch := map[string]string{"amd64": "x86_64", "arm64": "arm64"}[d.Platform.Architecture]
		if d.ArtifactType != "application/vnd.lwa.lambda-adapter.layer.v1+tar" || arch == "" {
			t.Errorf("index entry %+v", d)
		}
		var m v1.Manifest
		mraw := runTool(t, "crane", "manifest", "--platform", d.Platform.String(), repo+":latest")
		if err := json.Unmarshal([]byte(mraw), &m); err != nil {
			t.Fatal(err)
		}
		if m.ArtifactType != "application/vnd.lwa.lambda-adapter.layer.v1+tar" || m.Config.MediaType != "application/vnd.oci.empty.v1+json" || len(m.Layers) != 1 {
			t.Fatalf("artifact manifest for %s:\n%s", d.Platform, mraw)
		}
		// The descriptor lwa-pack wrote beside the layer file names the same blob.
		var desc struct{ Digest string }
		descRaw, err := os.ReadFile(filepath.Join(dir, "lambda-adapter-oci-layer-e2e-3.0-"+arch+".json"))
		if err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(descRaw, &desc)
		if m.Layers[0].Digest.String() != desc.Digest {
			t.Errorf("%s: pushed layer %s, written layer %s", arch, m.Layers[0].Digest, desc.Digest)
		}
		data, err := exec.Command(testenv.Tool(t, "crane"), "blob", repo+"@"+m.Layers[0].Digest.String()).Output()
		if err != nil {
			t.Fatalf("crane blob: %v", err)
		}
		blob := filepath.Join(t.TempDir(), "layer.tar.gz")
		os.WriteFile(blob, data, 0o644)
		sum := sha256.Sum256(data)
		if "sha256:"+hex.EncodeToString(sum[:]) != m.Layers[0].Digest.String() {
			t.Errorf("%s: pulled blob hashes to %x, manifest says %s", arch, sum, m.Layers[0].Digest)
		}
		if arch == "x86_64" {
			// As docs/packager.md shows: the blob appended onto an image with crane.
			base := host + "/some/app:1"
			runTool(t, "crane", "append", "--new_layer", blob, "--new_tag", base, "--oci-empty-base")
			exported := filepath.Join(t.TempDir(), "fs.tar")
			runTool(t, "crane", "export", base, exported)
			if _, ok := readTar(t, exported)["opt/extensions/lambda-adapter"]; !ok {
				t.Errorf("crane append of the pulled layer: no /opt/extensions/lambda-adapter")
			}
		}
	}
	if !strings.Contains(runTool(t, "crane", "ls", repo), "latest") {
		t.Error("crane ls does not list the tag")
	}
}

// TestE2ECompletionLoads: the script of the real binary loads in bash, as a user would load it.
func TestE2ECompletionLoads(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(lwaPack, filepath.Join(dir, "lwa-pack")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", `source <(lwa-pack completion bash) && complete -p lwa-pack && COMP_WORDS=(lwa-pack la); COMP_CWORD=1; _lwa_pack_complete; echo "${COMPREPLY[*]}"`)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "complete -o bashdefault -o default -F _lwa_pack_complete lwa-pack\nlayer\n" {
		t.Fatalf("bash: %v\n%s", err, out)
	}
}

// TestE2EBaseAlreadyHasAdapter: --base on an image lwa-pack already made replaces its adapter (a
// warning names both versions) instead of stacking a second one: the same number of layers, one
// lwa-pack history entry, and the binary in the image is the new version's.
func TestE2EBaseAlreadyHasAdapter(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	host := testenv.StartRegistry(t)
	base := host + "/app:1"
	pushBase(t, base)
	first, second := host+"/app:1-lwa-a", host+"/app:1-lwa-b"
	pack(t, "image", "--base", base, "--platform", "linux/amd64", "--push", first, "--version", "e2e-a")
	_, stderr, _ := packAll(t, nil, "image", "--base", first, "--push", second, "--version", "e2e-b")
	want := "lwa-pack: warning: linux/amd64: the base already has an adapter (lwa-pack's, version e2e-a) in its top layer: replacing that layer with the adapter e2e-b\n"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks the warning %q:\n%s", want, stderr)
	}
	runTool(t, "crane", "validate", "--remote", second)
	var m1, m2 v1.Manifest
	json.Unmarshal([]byte(runTool(t, "crane", "manifest", first)), &m1)
	json.Unmarshal([]byte(runTool(t, "crane", "manifest", second)), &m2)
	if len(m2.Layers) != len(m1.Layers) || len(m1.Layers) == 0 {
		t.Fatalf("layers %d → %d: the adapter was stacked", len(m1.Layers), len(m2.Layers))
	}
	var cfg v1.ConfigFile
	json.Unmarshal([]byte(runTool(t, "crane", "config", second)), &cfg)
	var ours []string
	for _, h := range cfg.History {
		if strings.HasPrefix(h.CreatedBy, "lwa-pack ") {
			ours = append(ours, h.CreatedBy)
		}
	}
	if len(ours) != 1 || !strings.HasPrefix(ours[0], "lwa-pack e2e-b:") {
		t.Errorf("lwa-pack history entries %q, want one of e2e-b", ours)
	}
	exported := filepath.Join(t.TempDir(), "fs.tar")
	runTool(t, "crane", "export", second, exported)
	bin := filepath.Join(t.TempDir(), "lambda-adapter")
	os.WriteFile(bin, readTar(t, exported)["opt/extensions/lambda-adapter"].data, 0o755)
	checkBinary(t, bin, "amd64", "e2e-b")
}
