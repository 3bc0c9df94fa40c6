//go:build e2e

package doctor_test

import (
	"testing"

	"github.com/lwa-go/lwa/internal/testenv"
)

// TestDockerRegistry: against Debian's docker-registry (distribution), an image with the adapter
// on top costs one manifest, the config and one layer, and lwa-pack image --base's result there
// has no finding; a broken image there has its finding.
func TestDockerRegistry(t *testing.T) {
	host := testenv.StartRegistry(t)
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	ref := push(t, host, "e2e/fn", functionImage(t, imageSpec{padding: 1 << 20}), nil)
	c := newCounter()
	rep := run(t, ref, c)
	if ids(rep) != "" || c.manifests.Load() != 1 || c.blobs.Load() != 2 {
		t.Errorf("findings %q, %d manifest and %d blob GETs; want none, 1 and 2", ids(rep), c.manifests.Load(), c.blobs.Load())
	}

	amd, _ := writeBinaries(t)
	base := push(t, host, "e2e/node", functionImage(t, imageSpec{opt: []file{}}), nil)
	if r := lwaPack(t, "image", "-q", "--version", "1.2.3", "--binary", "linux/amd64="+amd, "--base", base, "--platform", "linux/amd64", "--push", host+"/e2e/fn:adapter"); r.err != nil {
		t.Fatalf("lwa-pack image: %v\n%s", r.err, r.stderr)
	}
	if r := lwaPack(t, "doctor", "--strict", "--arch", "x86_64", host+"/e2e/fn:adapter"); r.err != nil {
		t.Errorf("doctor of lwa-pack's image: %v\n%s", r.err, r.stdout)
	}
	if rep := run(t, base, nil); ids(rep) != "LWA001" {
		t.Errorf("the base without the adapter: findings %q, want LWA001", ids(rep))
	}
}
