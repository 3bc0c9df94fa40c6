package layer

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/packager/build"
	"github.com/lwa-go/lwa/packager/platform"
)

func binary(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lambda-adapter")
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// A binary that cannot be read fails the whole set, naming its platform, and writes nothing.
func TestWriteFailsWholeSet(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Version: "1.2.3", Created: time.Unix(1700000000, 0)}
	bins := []build.Artifact{
		{Platform: platform.AMD64, Path: binary(t, "amd64")},
		{Platform: platform.ARM64, Path: filepath.Join(t.TempDir(), "missing")},
	}
	_, err := Write(t.Context(), o, bins)
	if err == nil || !strings.HasPrefix(err.Error(), "layer linux/arm64: ") {
		t.Fatalf("err %v, want it to name linux/arm64", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("a failed set left %d files in %s", len(ents), dir)
	}
}

// One platform: its zip and checksum, and no SAM template (it publishes both architectures).
func TestWriteOnePlatform(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Version: "1.2.3", Created: time.Unix(1700000000, 0)}
	var lines []string
	o.Progress = func(format string, args ...any) { lines = append(lines, format) }
	r, err := Write(t.Context(), o, []build.Artifact{{Platform: platform.ARM64, Path: binary(t, "arm64")}})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, ZipName("1.2.3", platform.ARM64))
	if len(r.Layers) != 1 || r.Layers[0].Path != want || r.Layers[0].Architecture != "arm64" || r.SAMTemplate != "" || len(lines) != 1 {
		t.Fatalf("report %+v, progress %q", r, lines)
	}
	zr, err := zip.OpenReader(want)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if n := len(zr.File); n != 3 {
		t.Fatalf("%s has %d entries, want 3", want, n)
	}
	sums, _ := os.ReadFile(r.Checksums)
	if string(sums) != r.Layers[0].SHA256+"  "+filepath.Base(want)+"\n" {
		t.Fatalf("SHA256SUMS %q", sums)
	}
	if _, err := os.Stat(filepath.Join(dir, "template.yaml")); err == nil {
		t.Fatal("template.yaml written for one platform")
	}
}
