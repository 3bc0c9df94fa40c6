package commands

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// TestImageAnnotationFlags: --annotation and LWA_PACK_ANNOTATION, --label and LWA_PACK_LABEL
// reach the index, every manifest and every config; the defaults are there unless switched off.
func TestImageAnnotationFlags(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "oci")
	env := map[string]string{"LWA_PACK_ANNOTATION": "from.env=1", "LWA_PACK_LABEL": "team=web", "SOURCE_DATE_EPOCH": "1700000000"}
	r := runAppEnv(t, env, Options{}, append([]string{"image", "-q", "--version", "1.2.3", "--output", "oci:" + dir,
		"--annotation", "from.flag=2"}, binFlags(t)...)...)
	if r.err != nil {
		t.Fatal(r.err)
	}
	idx := layoutIndex(t, dir)
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	// With both the flag and the variable set, urfave/cli takes the flag: the variable is its default.
	if im.Annotations["from.flag"] != "2" || im.Annotations["org.opencontainers.image.created"] != "2023-11-14T22:13:20Z" ||
		im.Annotations["org.opencontainers.image.version"] != "1.2.3" {
		t.Errorf("index annotations %v", im.Annotations)
	}
	for _, m := range im.Manifests {
		img, err := idx.Image(m.Digest)
		if err != nil {
			t.Fatal(err)
		}
		mf, _ := img.Manifest()
		cfg, _ := img.ConfigFile()
		if mf.Annotations["from.flag"] != "2" || cfg.Config.Labels["team"] != "web" {
			t.Errorf("%s: annotations %v labels %v", m.Platform, mf.Annotations, cfg.Config.Labels)
		}
	}

	dir2 := filepath.Join(t.TempDir(), "oci")
	r = runAppEnv(t, env, Options{}, append([]string{"image", "-q", "--output", "oci:" + dir2, "--annotation-defaults=false"}, binFlags(t)...)...)
	if r.err != nil {
		t.Fatal(r.err)
	}
	im2, err := layoutIndex(t, dir2).IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im2.Annotations) != 1 || im2.Annotations["from.env"] != "1" {
		t.Errorf("--annotation-defaults=false with LWA_PACK_ANNOTATION: %v, want only from.env=1", im2.Annotations)
	}
}

func layoutIndex(t *testing.T, dir string) v1.ImageIndex {
	t.Helper()
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := top.IndexManifest()
	if err != nil || len(im.Manifests) == 0 {
		t.Fatalf("layout %s: %v", dir, err)
	}
	idx, err := top.ImageIndex(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestSupplyChainBadInput(t *testing.T) {
	amd := fakeELF(t, elf.EM_X86_64, "amd64")
	out := filepath.Join(t.TempDir(), "oci")
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"annotation without =": {[]string{"image", "--annotation", "novalue", "--output", "oci:" + out, "--sbom=false"}, `--annotation "novalue": want KEY=VALUE`},
		"label with empty key": {[]string{"image", "--label", "=x", "--output", "oci:" + out, "--sbom=false"}, `--label "=x": want KEY=VALUE`},
		"image of a non-Go binary": {[]string{"image", "--output", "oci:" + out},
			"--sbom: the linux/amd64 adapter binary: sbom: read the Go build information: not a Go executable (a binary not built by Go has none to describe: pass --sbom=false)"},
		"layer of a non-Go binary": {[]string{"layer", "--output", out}, "pass --sbom=false"},
	} {
		t.Run(name, func(t *testing.T) {
			r := runApp(t, Options{}, append(tc.args, "--binary", "linux/amd64="+amd)...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant it to contain %s", r.err, tc.want)
			}
			if ents, _ := os.ReadDir(out); len(ents) != 0 {
				t.Errorf("a failed run left %d files in %s", len(ents), out)
			}
		})
	}
}
