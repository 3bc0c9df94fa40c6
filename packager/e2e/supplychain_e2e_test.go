//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/internal/testenv"
)

const epochEnv = "SOURCE_DATE_EPOCH=1700000000"

type sbomJSON struct {
	SBOMs []struct{ Platform, Digest string } `json:"sboms"`
}

type manifestJSON struct {
	Annotations map[string]string `json:"annotations"`
	Layers      []struct{ Digest string }
	Manifests   []struct {
		Digest       string `json:"digest"`
		ArtifactType string `json:"artifactType"`
	} `json:"manifests"`
}

func craneManifest(t *testing.T, args ...string) manifestJSON {
	t.Helper()
	var m manifestJSON
	out := runTool(t, "crane", append([]string{"manifest"}, args...)...)
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("crane manifest %v: %v\n%s", args, err, out)
	}
	return m
}

// TestE2EImageSupplyChain: lwa-pack image puts the OCI annotations on the index and every
// platform manifest (crane manifest shows them), the --label on every config, and attaches each
// platform's SBOM as a referrer, which Debian's docker-registry (no referrers API) keeps in the
// referrers tag; the SBOM is the one lwa-pack layer writes beside the zip; two runs give the same
// digests and the same layout bytes.
func TestE2EImageSupplyChain(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	host := testenv.StartRegistry(t)
	const version = "e2e-3.0"
	env := []string{epochEnv, "LWA_PACK_LABEL=team=web"}
	run := func(repo, layout string) (imageJSON, sbomJSON) {
		out, _ := packEnv(t, env, "image", "--version", version, "--json", "--push", host+"/"+repo+":"+version,
			"--annotation", "com.example.owner=web", "--output", "oci:"+layout)
		var s sbomJSON
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		return parseImageJSON(t, out), s
	}
	dir := t.TempDir()
	rep, sboms := run("a/lwa", filepath.Join(dir, "one"))
	rep2, sboms2 := run("b/lwa", filepath.Join(dir, "two"))
	if rep.Digest != rep2.Digest || len(sboms.SBOMs) != 2 || sboms.SBOMs[0] != sboms2.SBOMs[0] || sboms.SBOMs[1] != sboms2.SBOMs[1] {
		t.Fatalf("two runs differ: %s %v / %s %v", rep.Digest, sboms, rep2.Digest, sboms2)
	}
	for _, f := range []string{"index.json", "oci-layout"} {
		a, _ := os.ReadFile(filepath.Join(dir, "one", f))
		b, _ := os.ReadFile(filepath.Join(dir, "two", f))
		if !bytes.Equal(a, b) || len(a) == 0 {
			t.Errorf("layouts' %s differ", f)
		}
	}

	ref := host + "/a/lwa:" + version
	want := map[string]string{
		"org.opencontainers.image.created":  "2023-11-14T22:13:20Z",
		"org.opencontainers.image.version":  version,
		"org.opencontainers.image.source":   "https://github.com/lwa-go/lwa",
		"org.opencontainers.image.title":    "lambda-adapter",
		"org.opencontainers.image.licenses": "Apache-2.0",
		"com.example.owner":                 "web",
	}
	checkAnnotations := func(what string, got map[string]string) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: annotation %s = %q, want %q", what, k, got[k], v)
			}
		}
		if rev, ok := got["org.opencontainers.image.revision"]; ok && len(rev) != 40 {
			t.Errorf("%s: revision %q is not a commit", what, rev)
		}
	}
	checkAnnotations("index", craneManifest(t, ref).Annotations)
	for _, s := range sboms.SBOMs {
		checkAnnotations(s.Platform+" manifest", craneManifest(t, "--platform", s.Platform, ref).Annotations)
		var cfg struct {
			Config struct{ Labels map[string]string }
		}
		if err := json.Unmarshal([]byte(runTool(t, "crane", "config", "--platform", s.Platform, ref)), &cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.Config.Labels["team"] != "web" {
			t.Errorf("%s labels %v, want team=web from LWA_PACK_LABEL", s.Platform, cfg.Config.Labels)
		}
	}
	checkSBOMReferrers(t, host+"/a/lwa", ref, version, rep, sboms)

	// Defaults off: only what was asked for.
	out, _ := packEnv(t, []string{epochEnv}, "image", "--version", version, "--json", "--annotation-defaults=false",
		"--sbom=false", "--annotation", "k=v", "--push", host+"/c/lwa:"+version)
	if got := craneManifest(t, host+"/c/lwa:"+version).Annotations; len(got) != 1 || got["k"] != "v" {
		t.Errorf("--annotation-defaults=false: index annotations %v, want only k=v", got)
	}
	if parseImageJSON(t, out).Digest == rep.Digest {
		t.Error("--annotation-defaults=false gave the annotated digest")
	}
}

// checkSBOMReferrers: each platform manifest has one SPDX referrer in the referrers tag
// sha256-<hex>, whose blob is byte-identical to `lwa-pack layer`'s SBOM for that platform.
func checkSBOMReferrers(t *testing.T, repo, ref, version string, rep imageJSON, sboms sbomJSON) {
	t.Helper()
	layerDir := t.TempDir()
	packEnv(t, []string{epochEnv}, "layer", "--version", version, "--output", layerDir, "--quiet")
	lambdaArch := map[string]string{"linux/amd64": "x86_64", "linux/arm64": "arm64"}
	for i, img := range rep.Images {
		tag := strings.Replace(img.Digest, "sha256:", "sha256-", 1)
		idx := craneManifest(t, repo+":"+tag)
		if len(idx.Manifests) != 1 || idx.Manifests[0].ArtifactType != "application/spdx+json" || idx.Manifests[0].Digest != sboms.SBOMs[i].Digest {
			t.Errorf("%s referrers tag %s: %+v, want the SBOM %s", img.Platform, tag, idx.Manifests, sboms.SBOMs[i].Digest)
			continue
		}
		art := craneManifest(t, repo+"@"+sboms.SBOMs[i].Digest)
		if len(art.Layers) != 1 {
			t.Fatalf("SBOM artifact layers %+v", art.Layers)
		}
		blob := runTool(t, "crane", "blob", repo+"@"+art.Layers[0].Digest)
		file, err := os.ReadFile(filepath.Join(layerDir, "lambda-adapter-layer-"+version+"-"+lambdaArch[img.Platform]+".spdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		if blob != string(file) {
			t.Errorf("%s: the image's SBOM differs from lwa-pack layer's", img.Platform)
		}
	}
	sums, err := os.ReadFile(filepath.Join(layerDir, "SHA256SUMS"))
	if err != nil || strings.Count(string(sums), ".spdx.json") != 2 {
		t.Errorf("lwa-pack layer's SHA256SUMS does not list the two SBOMs:\n%s", sums)
	}
}

// TestE2EImageBaseAnnotations: with --base, the result names its base by reference and digest.
func TestE2EImageBaseAnnotations(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	host := testenv.StartRegistry(t)
	base := host + "/app:1"
	pushBase(t, base)
	baseDigest := strings.TrimSpace(runTool(t, "crane", "digest", base))
	out := host + "/app:1-lwa"
	packEnv(t, []string{epochEnv}, "image", "--base", base, "--push", out, "--version", "e2e-base", "--quiet")
	for _, args := range [][]string{{out}, {"--platform", "linux/arm64", out}} {
		got := craneManifest(t, args...).Annotations
		if got["org.opencontainers.image.base.name"] != base || got["org.opencontainers.image.base.digest"] != baseDigest {
			t.Errorf("crane manifest %v: base annotations %v, want %s and %s", args, got, base, baseDigest)
		}
	}
	runTool(t, "crane", "validate", "--remote", out)
}
