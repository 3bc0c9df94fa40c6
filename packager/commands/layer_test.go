package commands

import (
	"archive/zip"
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/layers"
	"github.com/lwa-go/lwa/packager/layer"
)

func TestLayerWritesZips(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	args := append([]string{"layer", "--output", out, "--version", "1.2.3", "--source-date-epoch", "1700000000", "--json"}, binFlags(t)...)
	r := runApp(t, Options{}, args...)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	var rep layer.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	if len(rep.Layers) != 2 || rep.Layers[0].Architecture != "x86_64" || rep.Layers[1].Architecture != "arm64" {
		t.Fatalf("report %+v", rep)
	}
	wantNames := []string{"SHA256SUMS", "lambda-adapter-layer-1.2.3-arm64.zip", "lambda-adapter-layer-1.2.3-x86_64.zip", "template.yaml"}
	ents, _ := os.ReadDir(out)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != strings.Join(wantNames, " ") {
		t.Fatalf("files %v, want %v", names, wantNames)
	}
	sums, _ := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	for _, l := range rep.Layers {
		if !strings.Contains(string(sums), l.SHA256+"  "+filepath.Base(l.Path)+"\n") {
			t.Errorf("SHA256SUMS lacks %s:\n%s", l.Path, sums)
		}
		zr, err := zip.OpenReader(l.Path)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range zr.File {
			got = append(got, f.Name+" "+f.Mode().String())
			if !f.Modified.Equal(time.Unix(1700000000, 0)) {
				t.Errorf("%s: time %v", f.Name, f.Modified)
			}
		}
		zr.Close()
		if want := "bootstrap -rwxr-xr-x|extensions/ drwxr-xr-x|extensions/lambda-adapter -rwxr-xr-x"; strings.Join(got, "|") != want {
			t.Errorf("%s entries %q", l.Path, got)
		}
	}
	tpl, _ := os.ReadFile(filepath.Join(out, "template.yaml"))
	if !strings.Contains(string(tpl), "ContentUri: lambda-adapter-layer-1.2.3-arm64.zip") || strings.Contains(string(tpl), layers.VersionToken) {
		t.Errorf("template.yaml not rendered:\n%s", tpl)
	}
}

func TestLayerEnvironment(t *testing.T) {
	out := t.TempDir()
	r := runAppEnv(t, map[string]string{"SOURCE_DATE_EPOCH": "1700000001", "LWA_PACK_VERSION": "from-env", "LWA_PACK_OUTPUT": out},
		Options{}, append([]string{"layer", "-q", "--json"}, binFlags(t)...)...)
	if r.err != nil {
		t.Fatal(r.err)
	}
	zr, err := zip.OpenReader(filepath.Join(out, "lambda-adapter-layer-from-env-arm64.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if got := zr.File[0].Modified; !got.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("SOURCE_DATE_EPOCH=1700000001 gave %v, want 2023-11-14T22:13:20Z (2 s resolution)", got)
	}
	r = runAppEnv(t, map[string]string{"SOURCE_DATE_EPOCH": "-5"}, Options{}, append([]string{"layer", "-q", "--output", out}, binFlags(t)...)...)
	if r.err != nil {
		t.Fatalf("a negative SOURCE_DATE_EPOCH is clamped, not an error: %v", r.err)
	}
}

func TestLayerReproducible(t *testing.T) {
	bins := binFlags(t)
	sums := func() string {
		out := t.TempDir()
		r := runApp(t, Options{}, append([]string{"layer", "-q", "--output", out}, bins...)...)
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.stderr != "" {
			t.Errorf("--quiet printed %q", r.stderr)
		}
		data, _ := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
		return string(data)
	}
	if a, b := sums(), sums(); a != b {
		t.Fatalf("two runs differ:\n%s\n%s", a, b)
	}
}

func TestLayerOnePlatformKeepsOtherChecksums(t *testing.T) {
	out := t.TempDir()
	amd := fakeELF(t, elf.EM_X86_64, "amd64")
	arm := fakeELF(t, elf.EM_AARCH64, "arm64")
	for _, b := range []string{"linux/amd64=" + amd, "linux/arm64=" + arm} {
		if r := runApp(t, Options{}, "layer", "-q", "--sbom=false", "--output", out, "--binary", b); r.err != nil {
			t.Fatal(r.err)
		}
	}
	sums, _ := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if n := strings.Count(string(sums), "\n"); n != 2 {
		t.Fatalf("SHA256SUMS has %d lines:\n%s", n, sums)
	}
	if _, err := os.Stat(filepath.Join(out, "template.yaml")); err == nil {
		t.Error("template.yaml written for a single platform")
	}
}

func TestLayerFlagErrors(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	os.WriteFile(file, nil, 0o644)
	script := filepath.Join(tmp, "run.sh")
	os.WriteFile(script, []byte("#!/bin/sh\nexec node index.js\n"), 0o755)
	amd := fakeELF(t, elf.EM_X86_64, "amd64")
	missing := filepath.Join(tmp, "missing")
	plain := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown platform", []string{"--platform", "linux/386", "--binary", "linux/amd64=" + amd},
			`--platform: unsupported platform "linux/386" (supported: linux/amd64, linux/arm64, all)`},
		{"windows platform", []string{"--platform", "windows/amd64"},
			`--platform: unsupported platform "windows/amd64" (supported: linux/amd64, linux/arm64, all)`},
		{"unreadable binary", []string{"--binary", "linux/amd64=" + missing},
			"--binary linux/amd64=" + missing + ": read " + missing + ": no such file or directory"},
		{"wrong arch binary", []string{"--binary", "linux/arm64=" + amd},
			"--binary linux/arm64=" + amd + ": " + amd + ": built for linux/amd64, want linux/arm64"},
		{"binary not an ELF", []string{"--binary", "linux/amd64=" + file},
			"--binary linux/amd64=" + file + ": " + file + ": an empty file, not an ELF executable: give the compiled lambda-adapter (make build writes bin/linux_ARCH/lambda-adapter)"},
		{"shell script as binary", []string{"--binary", "linux/amd64=" + script},
			"--binary linux/amd64=" + script + ": " + script + `: a script ("#!/bin/sh"), not an ELF executable: give the compiled lambda-adapter (make build writes bin/linux_ARCH/lambda-adapter)`},
		{"binary for arm64 without linux/", []string{"--binary", "arm64=" + amd},
			`--binary "arm64=` + amd + `": unsupported platform "arm64": did you mean linux/arm64? (supported: linux/amd64, linux/arm64)`},
		{"binary without platform", []string{"--binary", amd},
			`--binary "` + amd + `": want PLATFORM=PATH, e.g. linux/amd64=dist/lambda-adapter`},
		{"binary of unknown platform", []string{"--binary", "linux/386=" + amd},
			`--binary "linux/386=` + amd + `": unsupported platform "linux/386" (supported: linux/amd64, linux/arm64)`},
		{"binary twice", []string{"--binary", "linux/amd64=" + amd, "--binary", "linux/amd64=" + amd},
			"--binary: linux/amd64 given twice"},
		{"platform without binary", []string{"--platform", "all", "--binary", "linux/amd64=" + amd},
			"--binary: no binary for linux/arm64: pass --binary linux/arm64=PATH or drop it from --platform"},
		{"binary and source", []string{"--binary", "linux/amd64=" + amd, "--source", plain},
			"--binary and --source cannot be used together: --binary skips compiling"},
		{"unwritable output", []string{"--binary", "linux/amd64=" + amd, "--output", filepath.Join(file, "dist")},
			`--output "` + filepath.Join(file, "dist") + `": cannot create directory: mkdir ` + file + ": not a directory"},
		{"non-module source", []string{"--source", plain},
			"--source " + plain + ": not a Go module (no go.mod): want a checkout of github.com/lwa-go/lwa"},
		{"bad version", []string{"--version", "../../etc", "--binary", "linux/amd64=" + amd},
			`--version "../../etc": use 1 to 128 letters, digits and . _ + -, starting with a letter or digit (it is part of file names and tags; + becomes _ in tags)`},
		{"bad epoch", []string{"--source-date-epoch", "yesterday", "--binary", "linux/amd64=" + amd},
			`--source-date-epoch "yesterday": want a Unix time in seconds`},
		{"oci output", []string{"--binary", "linux/amd64=" + amd, "--output", "oci:foo"},
			`--output "oci:foo": lwa-pack layer writes zips into a directory; oci outputs are lwa-pack image's (lwa-pack image --output oci:foo)`},
		{"stray argument", []string{"extra"}, `unexpected argument "extra": layer takes only flags`},
		{"no source at all", nil,
			"cannot find the adapter's source: run lwa-pack inside a checkout of github.com/lwa-go/lwa, pass --source DIR, or pass prebuilt binaries with --binary linux/amd64=PATH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "new", "dist")
			args := append([]string{"layer", "--output", out}, tc.args...)
			r := runApp(t, Options{ModuleVersion: "(devel)"}, args...)
			if r.err == nil || r.err.Error() != tc.want {
				t.Fatalf("err = %v\nwant  %s", r.err, tc.want)
			}
			// Not even an empty directory: the output directory and its new parent are gone.
			if _, err := os.Stat(filepath.Dir(out)); !os.IsNotExist(err) {
				t.Errorf("a failed run left %s (%v)", filepath.Dir(out), err)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	r := runApp(t, Options{Version: "v9.9.9"}, "version")
	if r.err != nil || r.stdout != "lwa-pack v9.9.9\n" {
		t.Fatalf("version: %q %v", r.stdout, r.err)
	}
	// One text for both.
	r = runApp(t, Options{Version: "v9.9.9"}, "--version")
	if r.err != nil || r.stdout != "lwa-pack v9.9.9\n" {
		t.Fatalf("--version: %q %v", r.stdout, r.err)
	}
	r = runApp(t, Options{}, "version")
	if r.err != nil || r.stdout != "lwa-pack dev\n" {
		t.Fatalf("version without a build version: %q %v", r.stdout, r.err)
	}
}
