package commands

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeELF writes a minimal static 64-bit ELF header for machine, padded so images have some
// bulk, and returns its path.
func fakeELF(t *testing.T, machine elf.Machine, tag string) string {
	t.Helper()
	var buf bytes.Buffer
	h := elf.Header64{Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT), Ehsize: 64}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	binary.Write(&buf, binary.LittleEndian, h)
	buf.WriteString(strings.Repeat("fake adapter "+tag+"\n", 200))
	path := filepath.Join(t.TempDir(), "lambda-adapter-"+tag)
	if err := os.WriteFile(path, buf.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// binFlags returns --binary flags with fake binaries for both platforms, and --sbom=false: a
// fake binary has no Go build information to describe (supplychain_test.go covers SBOMs).
func binFlags(t *testing.T) []string {
	return []string{
		"--binary", "linux/amd64=" + fakeELF(t, elf.EM_X86_64, "amd64"),
		"--binary", "linux/arm64=" + fakeELF(t, elf.EM_AARCH64, "arm64"),
		"--sbom=false",
	}
}

type run struct {
	stdout, stderr string
	err            error
}

// runApp runs lwa-pack in-process with args, from workDir (empty: a temp dir outside any
// module).
func runApp(t *testing.T, o Options, args ...string) run {
	t.Helper()
	return runAppEnv(t, nil, o, args...)
}

// runAppEnv is runApp with environment variables set. lwa-pack's own variables (`make` exports
// SOURCE_DATE_EPOCH) are cleared first, so tests see the defaults unless they set them.
func runAppEnv(t *testing.T, env map[string]string, o Options, args ...string) run {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "LWA_PACK_") || k == "SOURCE_DATE_EPOCH" {
			t.Setenv(k, "") // restores the value when the test ends
			os.Unsetenv(k)
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	o.Stdout, o.Stderr = &stdout, &stderr
	if o.WorkDir == "" {
		o.WorkDir = t.TempDir()
	}
	if o.Environ == nil {
		o.Environ = os.Environ()
	}
	err := New(o).RunContext(context.Background(), append([]string{"lwa-pack"}, args...))
	return run{stdout.String(), stderr.String(), err}
}
