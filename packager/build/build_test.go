package build

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/packager/platform"
)

// fakeELF writes a minimal 64-bit little-endian ELF header for machine, with a PT_INTERP program
// header when dynamic is true, and returns its path.
func fakeELF(t *testing.T, machine elf.Machine, dynamic bool) string {
	t.Helper()
	var buf bytes.Buffer
	h := elf.Header64{
		Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT),
		Ehsize: 64, Phentsize: 56,
	}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	if dynamic {
		h.Phoff, h.Phnum = 64, 1
	}
	binary.Write(&buf, binary.LittleEndian, h)
	if dynamic {
		interp := []byte("/lib64/ld-linux-x86-64.so.2\x00")
		binary.Write(&buf, binary.LittleEndian, elf.Prog64{
			Type: uint32(elf.PT_INTERP), Off: 64 + 56, Filesz: uint64(len(interp)), Memsz: uint64(len(interp)),
		})
		buf.Write(interp)
	}
	path := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(path, buf.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVerify(t *testing.T) {
	text := filepath.Join(t.TempDir(), "script")
	os.WriteFile(text, []byte("#!/bin/sh\n"+strings.Repeat("echo hello\n", 10)), 0o755)
	short := filepath.Join(t.TempDir(), "short")
	os.WriteFile(short, []byte("\x7fELF"), 0o755)
	missing := filepath.Join(t.TempDir(), "missing")
	zipFile := filepath.Join(t.TempDir(), "layer.zip")
	os.WriteFile(zipFile, []byte("PK\x03\x04rest of a zip"), 0o644)
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o755)
	junk := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(junk, []byte{0, 1, 2, 3, 4, 5}, 0o755)
	for _, tc := range []struct {
		name string
		path string
		p    platform.Platform
		want string // empty: no error
	}{
		{"amd64 ok", fakeELF(t, elf.EM_X86_64, false), platform.AMD64, ""},
		{"arm64 ok", fakeELF(t, elf.EM_AARCH64, false), platform.ARM64, ""},
		{"wrong arch", fakeELF(t, elf.EM_X86_64, false), platform.ARM64, "built for linux/amd64, want linux/arm64"},
		{"other machine", fakeELF(t, elf.EM_RISCV, false), platform.AMD64, "built for ELFCLASS64 EM_RISCV, want linux/amd64"},
		{"dynamic", fakeELF(t, elf.EM_X86_64, true), platform.AMD64, "dynamically linked (it needs a program interpreter), want a static binary: build with CGO_ENABLED=0"},
		{"script", text, platform.AMD64, text + `: a script ("#!/bin/sh"), not an ELF executable: give the compiled lambda-adapter (make build writes bin/linux_ARCH/lambda-adapter)`},
		{"zip", zipFile, platform.AMD64, zipFile + ": a zip archive (a layer zip? --binary takes the binary inside it, extensions/lambda-adapter), not an ELF executable"},
		{"empty", empty, platform.AMD64, empty + ": an empty file, not an ELF executable"},
		{"binary junk", junk, platform.AMD64, junk + ": a file starting with bytes 00 01 02 03, not an ELF executable"},
		{"truncated", short, platform.AMD64, "not an ELF executable: file too short"},
		{"missing", missing, platform.AMD64, "read " + missing + ": no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.path, tc.p)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Verify = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// fakeModule writes a checkout-shaped module whose adapter main prints its version.
func fakeModule(t *testing.T, modulePath string) string {
	t.Helper()
	dir := t.TempDir()
	main := filepath.Join(dir, "adapter", "cmd", "lambda-adapter")
	if err := os.MkdirAll(main, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+modulePath+" // a comment\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(main, "main.go"), []byte(`package main

import (
	"fmt"
	"strings"
)

var stamp = "lwa-adapter-version=unset;"

func main() {
	_, v, _ := strings.Cut(stamp, "=")
	fmt.Println("lambda-adapter", strings.TrimSuffix(v, ";"))
}
`), 0o644)
	return dir
}

func TestResolveSource(t *testing.T) {
	mod := fakeModule(t, ModulePath)
	other := fakeModule(t, "example.com/other")
	nested := filepath.Join(mod, "adapter", "cmd")
	plain := t.TempDir()

	for _, tc := range []struct {
		name                    string
		source, work, modVer    string
		wantKind                SourceKind
		wantDir, wantVer, error string
	}{
		{name: "--source", source: mod, wantKind: FromDir, wantDir: mod},
		{name: "--source wins over workdir", source: mod, work: other, wantKind: FromDir, wantDir: mod},
		{name: "workdir inside module", work: nested, wantKind: FromDir, wantDir: mod},
		{name: "other module fetches", work: other, modVer: "v1.2.3", wantKind: FromModuleProxy, wantVer: "v1.2.3"},
		{name: "plain dir fetches", work: plain, modVer: "v1.2.3", wantKind: FromModuleProxy, wantVer: "v1.2.3"},
		{name: "devel build cannot fetch", work: plain, modVer: "(devel)",
			error: "cannot find the adapter's source: run lwa-pack inside a checkout of github.com/lwa-go/lwa, pass --source DIR, or pass prebuilt binaries with --binary linux/amd64=PATH"},
		{name: "non-module --source", source: plain,
			error: "--source " + plain + ": not a Go module (no go.mod): want a checkout of github.com/lwa-go/lwa"},
		{name: "other module --source", source: other,
			error: "--source " + other + `: is module "example.com/other", want a checkout of github.com/lwa-go/lwa`},
		{name: "missing --source", source: filepath.Join(plain, "nope"),
			error: "--source " + filepath.Join(plain, "nope") + ": no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveSource(tc.source, tc.work, tc.modVer)
			if tc.error != "" {
				if err == nil || err.Error() != tc.error {
					t.Fatalf("err = %v\nwant %s", err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tc.wantKind || got.Dir != tc.wantDir || got.ModuleVersion != tc.wantVer {
				t.Fatalf("got %+v, want kind %d dir %q version %q", got, tc.wantKind, tc.wantDir, tc.wantVer)
			}
		})
	}
}

func TestBuildFromDir(t *testing.T) {
	mod := fakeModule(t, ModulePath)
	var lines []string
	arts, err := Build(context.Background(), Request{
		Platforms: platform.All(),
		Source:    Source{Kind: FromDir, Dir: mod},
		Version:   "1.2.3-test",
		OutDir:    t.TempDir(),
		Env:       os.Environ(),
		Progress:  func(f string, a ...any) { lines = append(lines, f) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 2 || arts[0].Platform != platform.AMD64 || arts[1].Platform != platform.ARM64 {
		t.Fatalf("artifacts %+v", arts)
	}
	for _, a := range arts {
		if err := Verify(a.Path, a.Platform); err != nil {
			t.Error(err)
		}
	}
	// The host is amd64 here; the amd64 binary must carry the version.
	out, err := exec.Command(arts[0].Path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "lambda-adapter 1.2.3-test" {
		t.Fatalf("binary printed %q", got)
	}
	if len(lines) != 4 {
		t.Errorf("progress lines %q, want building+built per platform", lines)
	}
}

func TestBuildErrors(t *testing.T) {
	t.Run("compile error names the platform", func(t *testing.T) {
		mod := fakeModule(t, ModulePath)
		os.WriteFile(filepath.Join(mod, "adapter", "cmd", "lambda-adapter", "bad.go"), []byte("package main\nfunc broken() { undefined() }\n"), 0o644)
		_, err := Build(context.Background(), Request{
			Platforms: []platform.Platform{platform.ARM64}, Source: Source{Kind: FromDir, Dir: mod},
			Version: "x", OutDir: t.TempDir(), Env: os.Environ(),
		})
		if err == nil || !strings.Contains(err.Error(), "build linux/arm64: go build ./adapter/cmd/lambda-adapter in "+mod) ||
			!strings.Contains(err.Error(), "undefined: undefined") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no go toolchain", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := Build(context.Background(), Request{
			Platforms: platform.All(), Source: Source{Kind: FromDir, Dir: t.TempDir()}, OutDir: t.TempDir(),
		})
		want := "install Go from https://go.dev/dl, or pass prebuilt binaries with --binary linux/amd64=PATH --binary linux/arm64=PATH"
		if err == nil || !strings.HasPrefix(err.Error(), "go toolchain not found in PATH") || !strings.HasSuffix(err.Error(), want) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("prebuilt of the wrong arch", func(t *testing.T) {
		bin := fakeELF(t, elf.EM_X86_64, false)
		_, err := Build(context.Background(), Request{
			Platforms: []platform.Platform{platform.ARM64},
			Binaries:  map[platform.Platform]string{platform.ARM64: bin},
		})
		want := "--binary linux/arm64=" + bin + ": " + bin + ": built for linux/amd64, want linux/arm64"
		if err == nil || err.Error() != want {
			t.Fatalf("err = %v\nwant %s", err, want)
		}
	})
	t.Run("prebuilt missing a platform", func(t *testing.T) {
		_, err := Build(context.Background(), Request{
			Platforms: platform.All(),
			Binaries:  map[platform.Platform]string{platform.AMD64: fakeELF(t, elf.EM_X86_64, false)},
		})
		want := "--binary: no binary for linux/arm64: pass --binary linux/arm64=PATH or drop it from --platform"
		if err == nil || err.Error() != want {
			t.Fatalf("err = %v\nwant %s", err, want)
		}
	})
}
