//go:build e2e

package e2e

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// lwaPack is the lwa-pack binary built once for this test binary; repoRoot is the module root it
// runs in, so it compiles the adapter from this checkout.
var lwaPack, repoRoot string

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, "lwa-pack-e2e-", func(root, dir string) error {
		repoRoot, lwaPack = root, filepath.Join(dir, "lwa-pack")
		cmd := exec.Command("go", "build", "-o", lwaPack, "./packager/cmd/lwa-pack")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build lwa-pack: %w\n%s", err, out)
		}
		return nil
	}))
}

// pack runs lwa-pack in the repository root and returns its stdout and how long it took.
func pack(t *testing.T, args ...string) (string, time.Duration) {
	t.Helper()
	return packEnv(t, nil, args...)
}

// packEnv is pack with extra environment variables. lwa-pack's own variables (LWA_PACK_*,
// SOURCE_DATE_EPOCH, which `make` exports) are taken out of the inherited environment so the
// tests see the defaults.
func packEnv(t *testing.T, env []string, args ...string) (string, time.Duration) {
	t.Helper()
	stdout, _, d := packAll(t, env, args...)
	return stdout, d
}

// packAll is packEnv that also returns stderr (progress lines and warnings).
func packAll(t *testing.T, env []string, args ...string) (stdout, stderr string, d time.Duration) {
	t.Helper()
	cmd := exec.Command(lwaPack, args...)
	cmd.Dir = repoRoot
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LWA_PACK_") && !strings.HasPrefix(kv, "SOURCE_DATE_EPOCH=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("lwa-pack %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String(), errOut.String(), time.Since(start)
}

// runTool runs a test tool (which must be installed) and returns its combined output.
func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, name), args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// checkBinary checks that path is a static ELF for arch (amd64 or arm64), with debug/elf and
// with file(1), and that it prints `lambda-adapter VERSION` (arm64 under qemu-user-static).
func checkBinary(t *testing.T, path, arch, version string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wantMachine := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if f.Machine != wantMachine || f.Class != elf.ELFCLASS64 {
		t.Errorf("%s: machine %v %v, want %v", path, f.Class, f.Machine, wantMachine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s: has a program interpreter (dynamically linked)", path)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s: imports %v", path, libs)
	}
	desc := runTool(t, "file", "-b", path)
	wantFile := map[string]string{"amd64": "x86-64", "arm64": "ARM aarch64"}[arch]
	if !strings.Contains(desc, wantFile) || !strings.Contains(desc, "statically linked") {
		t.Errorf("file %s: %s", path, desc)
	}
	var out string
	if arch == "arm64" {
		out = runTool(t, "qemu-aarch64-static", path, "--version")
	} else {
		b, err := exec.Command(path, "--version").CombinedOutput()
		if err != nil {
			t.Fatalf("%s --version: %v\n%s", path, err, b)
		}
		out = string(b)
	}
	if want := "lambda-adapter " + version; strings.TrimSpace(out) != want {
		t.Errorf("%s --version printed %q, want %q", path, out, want)
	}
}
