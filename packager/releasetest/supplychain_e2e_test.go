//go:build e2e

package releasetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
		want, err := sbom.ForFile(bin, sbom.AdapterOptions(r.version, "linux/"+goarch, time.Unix(r.epoch, 0)))
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
