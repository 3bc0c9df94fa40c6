package build

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/lwa-go/lwa/packager/platform"
)

// Verify checks that the file at path is a static ELF executable for p: Lambda runs the adapter
// without the loader or libc a dynamically linked binary would need, so anything else fails at
// Init in a way that is hard to diagnose.
func Verify(path string, p platform.Platform) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, unwrapPathError(err))
	}
	defer f.Close()
	head := make([]byte, 128)
	n, _ := io.ReadFull(f, head)
	if what := notELF(head[:n]); what != "" {
		return fmt.Errorf("%s: %s, not an ELF executable: give the compiled lambda-adapter (make build writes bin/linux_ARCH/lambda-adapter)", path, what)
	}
	ef, err := elf.NewFile(f)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("file too short")
	}
	if err != nil {
		return fmt.Errorf("%s: not an ELF executable: %w", path, err)
	}
	if ef.Class != elf.ELFCLASS64 || ef.Machine != p.Machine() {
		return fmt.Errorf("%s: built for %s, want %s", path, describeMachine(ef), p)
	}
	if ef.Type != elf.ET_EXEC && ef.Type != elf.ET_DYN {
		return fmt.Errorf("%s: ELF type %v, want an executable", path, ef.Type)
	}
	for _, prog := range ef.Progs {
		if prog.Type == elf.PT_INTERP {
			return fmt.Errorf("%s: dynamically linked (it needs a program interpreter), want a static binary: build with CGO_ENABLED=0", path)
		}
	}
	if libs, err := ef.ImportedLibraries(); err == nil && len(libs) > 0 {
		return fmt.Errorf("%s: dynamically linked against %v, want a static binary: build with CGO_ENABLED=0", path, libs)
	}
	return nil
}

// notELF names what a file that does not start with ELF's magic number is, from its first bytes;
// "" for an ELF file.
func notELF(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte(elf.ELFMAG)):
		return ""
	case len(head) == 0:
		return "an empty file"
	case bytes.HasPrefix(head, []byte("#!")):
		line, _, _ := bytes.Cut(head, []byte("\n"))
		return fmt.Sprintf("a script (%q)", strings.TrimSpace(string(line)))
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "a zip archive (a layer zip? --binary takes the binary inside it, extensions/lambda-adapter)"
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return "a gzip file"
	case bytes.HasPrefix(head, []byte("MZ")):
		return "a Windows executable"
	case bytes.HasPrefix(head, []byte{0xcf, 0xfa, 0xed, 0xfe}), bytes.HasPrefix(head, []byte{0xca, 0xfe, 0xba, 0xbe}):
		return "a macOS (Mach-O) executable"
	case utf8.Valid(head) && !bytes.ContainsRune(head, 0):
		return "a text file"
	}
	return fmt.Sprintf("a file starting with bytes % x", head[:min(len(head), 4)])
}

func describeMachine(ef *elf.File) string {
	switch {
	case ef.Class == elf.ELFCLASS64 && ef.Machine == elf.EM_X86_64:
		return string(platform.AMD64)
	case ef.Class == elf.ELFCLASS64 && ef.Machine == elf.EM_AARCH64:
		return string(platform.ARM64)
	}
	return fmt.Sprintf("%v %v", ef.Class, ef.Machine)
}

// unwrapPathError drops the *fs.PathError wrapper, whose message repeats the path.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
