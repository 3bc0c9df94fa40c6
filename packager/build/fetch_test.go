package build

import (
	"archive/zip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/packager/platform"
)

// fileProxy writes a GOPROXY directory serving ModulePath at version, made from the module in
// src, and returns its file:// URL.
func fileProxy(t *testing.T, src, version string) string {
	t.Helper()
	proxy := t.TempDir()
	dir := filepath.Join(proxy, filepath.FromSlash(ModulePath), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gomod, _ := os.ReadFile(filepath.Join(src, "go.mod"))
	os.WriteFile(filepath.Join(dir, version+".mod"), gomod, 0o644)
	os.WriteFile(filepath.Join(dir, version+".info"), []byte(`{"Version":"`+version+`","Time":"2024-01-01T00:00:00Z"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "list"), []byte(version+"\n"), 0o644)
	f, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		w, err := zw.Create(ModulePath + "@" + version + "/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return "file://" + proxy
}

// TestBuildFetchesModule covers `go install .../lwa-pack@vX` then `lwa-pack layer` outside any
// checkout: the adapter at vX comes through the module proxy (here a file:// one, with a private
// module cache so nothing leaks into the real one).
func TestBuildFetchesModule(t *testing.T) {
	const version = "v0.0.1"
	proxy := fileProxy(t, fakeModule(t, ModulePath), version)
	src, err := ResolveSource("", t.TempDir(), version)
	if err != nil || src.Kind != FromModuleProxy {
		t.Fatalf("ResolveSource = %+v, %v", src, err)
	}
	env := append(os.Environ(),
		"GOPROXY="+proxy, "GOSUMDB=off", "GONOSUMDB="+ModulePath, "GOFLAGS=-modcacherw",
		"GOMODCACHE="+t.TempDir(), "GOTOOLCHAIN=local")
	var lines []string
	arts, err := Build(context.Background(), Request{
		Platforms: []platform.Platform{platform.AMD64},
		Source:    src,
		Version:   "fetched",
		OutDir:    t.TempDir(),
		Env:       env,
		Progress:  func(f string, a ...any) { lines = append(lines, f) },
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(arts[0].Path).Output()
	if err != nil || strings.TrimSpace(string(out)) != "lambda-adapter fetched" {
		t.Fatalf("binary printed %q, %v", out, err)
	}
	if lines[0] != "fetching %s@%s" {
		t.Errorf("progress %q", lines)
	}

	// A version the proxy does not have fails with the go command's reason.
	_, err = Build(context.Background(), Request{
		Platforms: []platform.Platform{platform.AMD64},
		Source:    Source{Kind: FromModuleProxy, ModuleVersion: "v9.9.9"},
		OutDir:    t.TempDir(), Env: env,
	})
	if err == nil || !strings.HasPrefix(err.Error(), "fetch github.com/lwa-go/lwa@v9.9.9: go get: exit status 1") {
		t.Fatalf("err = %v", err)
	}
}
