//go:build bench

package suite

import (
	"archive/zip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
	"github.com/lwa-go/lwa/packager/build"
)

// packagingRuns is how many timed runs each packaging measure takes (the median is kept).
const packagingRuns = 3

// TestPackaging times lwa-pack with a warm build cache, and measures what it ships: the stripped
// adapter binary per architecture and the layer zips. Goals: `lwa-pack layer` for both
// architectures ≤ 3 s; `lwa-pack image` pushed as an index to a registry on loopback ≤ 2 s beyond
// compiling (a plain warm `go build` of both architectures with the same flags, timed alongside);
// binary ≤ 6 MB, zip ≤ 2.5 MB.
func TestPackaging(t *testing.T) {
	root := testenv.ModuleRoot(t)
	if _, err := os.Stat(filepath.Join(root, "packager", "cmd", "lwa-pack", "main.go")); err != nil {
		record(t, "packaging", "lwa-pack not available (packager/cmd/lwa-pack missing)", "—", false)
		return
	}
	dir := t.TempDir()
	pack := filepath.Join(dir, "lwa-pack")
	if out, err := goCmd(root, "build", "-o", pack, "./packager/cmd/lwa-pack").CombinedOutput(); err != nil {
		t.Fatalf("build lwa-pack: %v\n%s", err, out)
	}
	lwaPack := func(args ...string) (time.Duration, error) {
		cmd := exec.Command(pack, args...)
		cmd.Dir = root
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("lwa-pack %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return time.Since(start), nil
	}

	layerDir := filepath.Join(dir, "layer")
	layerArgs := []string{"layer", "--source", root, "--version", "bench", "--output", layerDir, "--quiet"}
	if _, err := lwaPack(layerArgs...); err != nil { // warms the build cache
		t.Fatal(err)
	}
	compile := func() (time.Duration, error) {
		start := time.Now()
		for _, arch := range []string{"amd64", "arm64"} {
			cmd := goCmd(root, "build", "-trimpath", "-buildvcs=false", "-tags", build.AdapterTags, "-ldflags", build.AdapterLDFlags("bench"),
				"-o", filepath.Join(dir, "go-build-"+arch), "./adapter/cmd/lambda-adapter")
			cmd.Env = append(cmd.Env, "GOOS=linux", "GOARCH="+arch)
			if out, err := cmd.CombinedOutput(); err != nil {
				return 0, fmt.Errorf("go build %s: %w\n%s", arch, err, out)
			}
		}
		return time.Since(start), nil
	}
	if _, err := compile(); err != nil {
		t.Fatal(err)
	}
	registry := testenv.StartRegistry(t)
	if _, err := lwaPack("image", "--source", root, "--version", "bench", "--push", registry+"/warm/adapter:bench", "--quiet"); err != nil {
		t.Fatal(err)
	}

	var layerTimes, imageTimes, compileTimes []time.Duration
	for i := range packagingRuns {
		d, err := lwaPack(layerArgs...)
		if err != nil {
			t.Fatal(err)
		}
		layerTimes = append(layerTimes, d)
		if d, err = compile(); err != nil {
			t.Fatal(err)
		}
		compileTimes = append(compileTimes, d)
		// A fresh repository each time, so every blob is really uploaded.
		if d, err = lwaPack("image", "--source", root, "--version", "bench", "--push", fmt.Sprintf("%s/run%d/adapter:bench", registry, i), "--quiet"); err != nil {
			t.Fatal(err)
		}
		imageTimes = append(imageTimes, d)
	}
	layer, image, comp := medianDur(layerTimes), medianDur(imageTimes), medianDur(compileTimes)
	t.Logf("lwa-pack layer %v, lwa-pack image --push %v, go build ×2 %v", layerTimes, imageTimes, compileTimes)
	record(t, "packaging: `lwa-pack layer`, both arches, warm", fmt.Sprintf("%.2f s (median of %d)", layer.Seconds(), packagingRuns),
		"≤ 3 s", layer <= 3*time.Second)
	record(t, "packaging: `lwa-pack image` index → loopback registry, warm",
		fmt.Sprintf("%.2f s; compiling alone %.2f s; beyond compiling %+.2f s", image.Seconds(), comp.Seconds(), (image-comp).Seconds()),
		"≤ 2 s beyond compiling", image-comp <= 2*time.Second)

	zips, err := filepath.Glob(filepath.Join(layerDir, "*.zip"))
	if err != nil || len(zips) == 0 {
		t.Fatalf("no layer zips in %s (%v)", layerDir, err)
	}
	slices.Sort(zips)
	for _, z := range zips {
		fi, err := os.Stat(z)
		if err != nil {
			t.Fatal(err)
		}
		bin, err := zipEntrySize(z, "extensions/lambda-adapter")
		if err != nil {
			t.Fatal(err)
		}
		arch := strings.TrimSuffix(filepath.Base(z)[strings.LastIndexByte(filepath.Base(z), '-')+1:], ".zip")
		record(t, "stripped binary, "+arch, fmt.Sprintf("%s (%d bytes)", mb(bin), bin), "≤ 6 MB", bin <= 6e6)
		record(t, "layer zip, "+arch, fmt.Sprintf("%s (%d bytes)", mb(fi.Size()), fi.Size()), "≤ 2.5 MB", fi.Size() <= 2.5e6)
	}
}

func zipEntrySize(path, name string) (int64, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			return int64(f.UncompressedSize64), nil
		}
	}
	return 0, fmt.Errorf("%s has no %s", path, name)
}

func goCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	return cmd
}

func medianDur(d []time.Duration) time.Duration { return summarize(d).p50 }
