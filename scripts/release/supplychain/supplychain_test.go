package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

const testCommit = "0123456789abcdef0123456789abcdef01234567"

func testEnv(vars map[string]string) (environment, *bytes.Buffer) {
	var stderr bytes.Buffer
	return environment{
		Name: name, Lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		Stdout: &bytes.Buffer{}, Stderr: &stderr,
	}, &stderr
}

// fakeDist writes a SHA256SUMS and an OCI layout holding one index of two platform images.
func fakeDist(t *testing.T) (dist string, platforms map[string]string, index string) {
	t.Helper()
	dist = t.TempDir()
	sums := strings.Repeat("a", 64) + "  a.zip\n" + strings.Repeat("b", 64) + "  b.spdx.json\n"
	if err := os.WriteFile(filepath.Join(dist, "SHA256SUMS"), []byte(sums), 0o644); err != nil {
		t.Fatal(err)
	}
	idx := mutate.IndexMediaType(empty.Index, "application/vnd.oci.image.index.v1+json")
	platforms = map[string]string{}
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		platforms["linux/"+arch] = d.Hex
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	p, err := layout.Write(filepath.Join(dist, "image"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx); err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	return dist, platforms, d.Hex
}

func TestReleaseProvenanceSubjects(t *testing.T) {
	dist, platforms, index := fakeDist(t)
	cfg := signConfig{artifact: filepath.Join(dist, "SHA256SUMS"), dist: dist, version: "1.2.3", commit: testCommit,
		ref: "refs/tags/v1.2.3", epoch: "1700000000", repository: "https://github.com/lwa-go/lwa", image: "r/img", imageTag: "1.2.3"}
	env, _ := testEnv(map[string]string{"GITHUB_WORKFLOW_REF": "lwa-go/lwa/.github/workflows/release.yml@refs/tags/v1.2.3"})
	_, stmt, err := releaseProvenance(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Subject []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		Predicate struct {
			RunDetails struct {
				Builder struct{ ID string } `json:"builder"`
			} `json:"runDetails"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(stmt, &s); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range s.Subject {
		got[x.Name] = x.Digest["sha256"]
	}
	want := map[string]string{
		"a.zip":                     strings.Repeat("a", 64),
		"b.spdx.json":               strings.Repeat("b", 64),
		"r/img:1.2.3":               index,
		"r/img:1.2.3 (linux/amd64)": platforms["linux/amd64"],
		"r/img:1.2.3 (linux/arm64)": platforms["linux/arm64"],
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("subject %s = %q, want %s", k, got[k], v)
		}
	}
	if len(got) != len(want)+1 || len(got["SHA256SUMS"]) != 64 {
		t.Errorf("subjects %v: want the files, SHA256SUMS itself and the three image digests", got)
	}
	if id := s.Predicate.RunDetails.Builder.ID; id != "https://github.com/lwa-go/lwa/.github/workflows/release.yml@refs/tags/v1.2.3" {
		t.Errorf("builder id %q, want the workflow", id)
	}
}

// TestNoKeyNoSignature: without COSIGN_KEY, sign and sign-image do nothing and say so.
func TestNoKeyNoSignature(t *testing.T) {
	dist, _, _ := fakeDist(t)
	env, stderr := testEnv(map[string]string{})
	sig := filepath.Join(dist, "SHA256SUMS.cosign.sig")
	err := run(context.Background(), []string{"sign", "--artifact", filepath.Join(dist, "SHA256SUMS"), "--signature", sig,
		"--dist", dist, "--version", "1.2.3", "--commit", testCommit, "--source-date-epoch", "1700000000",
		"--repository", "https://github.com/lwa-go/lwa", "--image", "r/img"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"sign-image", "--dist", dist, "--image", "r/img"}, env); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{sig, filepath.Join(dist, provenanceFile("1.2.3")), predicateFile(dist)} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s written without a key", f)
		}
	}
	if !strings.Contains(stderr.String(), "COSIGN_KEY not set") {
		t.Errorf("no message about the missing key: %q", stderr.String())
	}
}

func TestBadInput(t *testing.T) {
	env, _ := testEnv(map[string]string{"COSIGN_KEY": "k", "COSIGN_PASSWORD": "", "COSIGN": "/bin/false"})
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no command":      {nil, "no command"},
		"unknown command": {[]string{"frobnicate"}, `unknown command "frobnicate"`},
		"sbom flags":      {[]string{"sbom", "--binary", "x"}, "--platform is required"},
		"sbom epoch": {[]string{"sbom", "--binary", "x", "--platform", "linux/amd64", "--version", "1",
			"--source-date-epoch", "yesterday", "--output", "o"}, `--source-date-epoch "yesterday"`},
		"sign flags":         {[]string{"sign", "--artifact", "a"}, "--signature is required"},
		"sign-image no pred": {[]string{"sign-image", "--dist", t.TempDir(), "--image", "r/img"}, "the sign step did not run"},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(context.Background(), tc.args, env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestKeyWithoutPassword: an encrypted key without COSIGN_PASSWORD fails with a message saying
// which variable to set, before cosign could wait for a password on a terminal.
func TestKeyWithoutPassword(t *testing.T) {
	env, _ := testEnv(map[string]string{"COSIGN_KEY": "cosign.key", "COSIGN": "/bin/false"})
	err := run(context.Background(), []string{"sign-image", "--dist", t.TempDir(), "--image", "r/img"}, env)
	if err == nil || !strings.Contains(err.Error(), "COSIGN_PASSWORD is not") {
		t.Fatalf("error %v, want one naming COSIGN_PASSWORD", err)
	}
}

// TestSBOMTimeAsLwaPack: an odd SOURCE_DATE_EPOCH is rounded down to even seconds, as lwa-pack
// stamps everything (the zip format's resolution), so both write the same SBOM.
func TestSBOMTimeAsLwaPack(t *testing.T) {
	self, err := os.Executable() // a Go binary, with build information
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "a.spdx.json")
	env, _ := testEnv(nil)
	if err := run(context.Background(), []string{"sbom", "--binary", self, "--platform", "linux/amd64", "--version", "1.2.3",
		"--source-date-epoch", "1796304505", "--output", out}, env); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"created": "2026-12-03T13:28:24Z"`) {
		t.Errorf("SBOM creation time is not the epoch 1796304505 rounded down to even seconds:\n%.600s", data)
	}
}
