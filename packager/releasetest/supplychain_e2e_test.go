//go:build e2e

package releasetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/packager/layerzip"
	"github.com/lwa-go/lwa/packager/sbom"
)

// checkSBOMs: each released SBOM is what packager/sbom writes for goreleaser's adapter binary of
// that platform (so lwa-pack, which uses the same options, writes the same bytes), and
// describes that binary by its SHA-256.
func checkSBOMs(t *testing.T, r release) {
	for goarch, lambdaArch := range map[string]string{"amd64": "x86_64", "arm64": "arm64"} {
		name := "lambda-adapter-layer-" + r.version + "-" + lambdaArch + ".spdx.json"
		got, err := os.ReadFile(filepath.Join(r.dist, name))
		if err != nil {
			t.Fatalf("release SBOM: %v", err)
		}
		bin := r.binary(t, "lambda-adapter", "linux", goarch)
		want, err := sbom.ForFile(bin, sbom.AdapterOptions(r.version, "linux/"+goarch, layerzip.ClampTime(time.Unix(r.epoch, 0))))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from packager/sbom's document for goreleaser's linux/%s binary", name, goarch)
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256Hex(data); !bytes.Contains(got, []byte(`"checksumValue": "`+sum+`"`)) {
			t.Errorf("%s does not give the linux/%s binary's SHA-256 %s", name, goarch, sum)
		}
	}
}

// checkProvenance decodes the signed provenance: an in-toto v1 statement with the SLSA v1
// predicate, whose subjects are exactly SHA256SUMS's files, SHA256SUMS and the image digests,
// and whose source is the released commit.
func checkProvenance(t *testing.T, r release, version string) {
	var envelope struct {
		PayloadType string `json:"payloadType"`
		Payload     string `json:"payload"`
	}
	readJSON(t, filepath.Join(r.dist, "lwa-"+version+".intoto.jsonl"), &envelope)
	payload, err := base64.StdEncoding.DecodeString(envelope.Payload)
	if err != nil {
		t.Fatalf("provenance payload: %v", err)
	}
	var st struct {
		Type    string `json:"_type"`
		Subject []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		PredicateType string `json:"predicateType"`
		Predicate     struct {
			BuildDefinition struct {
				ResolvedDependencies []struct {
					Digest map[string]string `json:"digest"`
				} `json:"resolvedDependencies"`
			} `json:"buildDefinition"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatalf("provenance statement: %v", err)
	}
	if envelope.PayloadType != "application/vnd.in-toto+json" || st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != "https://slsa.dev/provenance/v1" {
		t.Errorf("provenance types %q %q %q", envelope.PayloadType, st.Type, st.PredicateType)
	}
	if deps := st.Predicate.BuildDefinition.ResolvedDependencies; len(deps) != 1 || deps[0].Digest["gitCommit"] != r.commit {
		t.Errorf("provenance source %+v, want commit %s", deps, r.commit)
	}
	got := map[string]string{}
	for _, s := range st.Subject {
		got[s.Name] = s.Digest["sha256"]
	}
	sums, err := os.ReadFile(filepath.Join(r.dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"SHA256SUMS": sha256Hex(sums)}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		sum, name, _ := strings.Cut(line, "  ")
		want[name] = sum
	}
	idx, desc := releaseIndex(t, r)
	ref := r.image + ":" + version
	want[ref] = desc.Digest.Hex
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range im.Manifests {
		want[ref+" ("+m.Platform.String()+")"] = m.Digest.Hex
	}
	var names []string
	for n := range want {
		names = append(names, n)
		if got[n] != want[n] {
			t.Errorf("provenance subject %s: sha256 %q, want %s", n, got[n], want[n])
		}
	}
	if len(got) != len(want) {
		t.Errorf("provenance has %d subjects, want %d", len(got), len(want))
	}
	slices.Sort(names)
	t.Logf("provenance subjects: %s", strings.Join(names, ", "))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// checkImageSupplyChain: dist/image's index and platform manifests carry the release's
// annotations (the commit as revision, the commit time as created), and the layout holds, for
// each platform manifest, an SPDX referrer whose document is the release's SBOM file.
func checkImageSupplyChain(t *testing.T, r release) {
	idx, _ := releaseIndex(t, r)
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"org.opencontainers.image.revision": r.commit,
		// lwa-pack's timestamps are the epoch as a zip holds it: even seconds.
		"org.opencontainers.image.created": layerzip.ClampTime(time.Unix(r.epoch, 0)).Format(time.RFC3339),
		"org.opencontainers.image.version": r.version,
	}
	check := func(what string, got map[string]string) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", what, k, got[k], v)
			}
		}
	}
	check("index", im.Annotations)
	dir := filepath.Join(r.dist, "image")
	referrers := layoutReferrers(t, dir)
	for _, m := range im.Manifests {
		img, err := idx.Image(m.Digest)
		if err != nil {
			t.Fatal(err)
		}
		mf, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		check(m.Platform.String()+" manifest", mf.Annotations)
		doc, ok := referrers[m.Digest.String()]
		if !ok {
			t.Errorf("dist/image has no SBOM referrer for %s (%s)", m.Platform, m.Digest)
			continue
		}
		arch := map[string]string{"amd64": "x86_64", "arm64": "arm64"}[m.Platform.Architecture]
		file, err := os.ReadFile(filepath.Join(r.dist, "lambda-adapter-layer-"+r.version+"-"+arch+".spdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(doc, file) {
			t.Errorf("%s: the image's SBOM referrer differs from the released SBOM file", m.Platform)
		}
	}
}

// layoutReferrers reads the SPDX artifacts listed in a layout's index.json: subject digest →
// the document.
func layoutReferrers(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	var index struct {
		Manifests []struct {
			Digest       string `json:"digest"`
			ArtifactType string `json:"artifactType"`
		} `json:"manifests"`
	}
	readJSON(t, filepath.Join(dir, "index.json"), &index)
	blob := func(digest string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(digest, "sha256:")))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	out := map[string][]byte{}
	for _, m := range index.Manifests {
		if m.ArtifactType != "application/spdx+json" {
			continue
		}
		var art struct {
			Subject struct{ Digest string }   `json:"subject"`
			Layers  []struct{ Digest string } `json:"layers"`
		}
		if err := json.Unmarshal(blob(m.Digest), &art); err != nil || len(art.Layers) != 1 {
			t.Fatalf("SBOM artifact %s: %v", m.Digest, err)
		}
		out[art.Subject.Digest] = blob(art.Layers[0].Digest)
	}
	return out
}

// firstDiff shows the first line where two text files differ (nothing for binary files).
func firstDiff(a, b []byte) string {
	if bytes.IndexByte(a, 0) >= 0 || bytes.IndexByte(b, 0) >= 0 {
		return ""
	}
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf(": line %d\n  release:  %s\n  lwa-pack: %s", i+1, la[i], lb[i])
		}
	}
	return ""
}
