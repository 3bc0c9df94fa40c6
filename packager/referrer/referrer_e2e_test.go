//go:build e2e

package referrer

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/internal/testenv"
)

// TestPushTagFallback pushes to Debian's docker-registry (distribution 2.8), which has no
// referrers API: the referrer goes into the subject's referrers tag (sha256-<hex>), which crane
// reads as an index listing the SBOM artifact.
func TestPushTagFallback(t *testing.T) {
	host := testenv.StartRegistry(t)
	repo := host + "/lwa/adapter"
	checkPush(t, repo, spdx)

	crane := testenv.Tool(t, "crane")
	out, err := exec.Command(crane, "ls", repo).CombinedOutput()
	if err != nil {
		t.Fatalf("crane ls: %v\n%s", err, out)
	}
	t.Logf("crane ls %s:\n%s", repo, out)
	var tag string
	for _, line := range strings.Fields(string(out)) {
		if len(line) == len("sha256-")+64 {
			tag = line
		}
	}
	if tag == "" {
		t.Fatalf("no sha256-<hex> referrers tag in %s", repo)
	}
	out, err = exec.Command(crane, "manifest", repo+":"+tag).CombinedOutput()
	if err != nil {
		t.Fatalf("crane manifest: %v\n%s", err, out)
	}
	var idx struct {
		MediaType string `json:"mediaType"`
		Manifests []struct {
			ArtifactType string `json:"artifactType"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(out, &idx); err != nil {
		t.Fatal(err)
	}
	if idx.MediaType != "application/vnd.oci.image.index.v1+json" || len(idx.Manifests) != 1 || idx.Manifests[0].ArtifactType != spdx {
		t.Fatalf("referrers tag %s: %s", tag, out)
	}
}
