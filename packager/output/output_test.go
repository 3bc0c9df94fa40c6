package output

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnsureDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := EnsureDir(dir); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("probe left %v", ents)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	err := EnsureDir(filepath.Join(file, "sub"))
	want := "cannot create directory: mkdir " + file + ": not a directory"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

func TestJoin(t *testing.T) {
	for _, bad := range []string{"../x", "/abs", "a/../../b", "", "a/b", `a\b`} {
		if _, err := Join("dist", bad); err == nil {
			t.Errorf("Join(%q) accepted", bad)
		}
	}
	if got, err := Join("dist", "x.zip"); err != nil || got != filepath.Join("dist", "x.zip") {
		t.Errorf("Join = %q, %v", got, err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.zip")
	os.WriteFile(path, []byte("old"), 0o644)
	err := WriteFile(path, 0o644, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return errors.New("boom")
	})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "old" {
		t.Fatalf("failed write changed the file: %q", data)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("failed write left files: %v", ents)
	}
	if err := WriteFile(path, 0o600, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if data, _ := os.ReadFile(path); string(data) != "new" || st.Mode().Perm() != 0o600 {
		t.Fatalf("got %q mode %v", data, st.Mode())
	}
}

func TestWriteDir(t *testing.T) {
	parent := t.TempDir()
	path := filepath.Join(parent, "layout")
	fill := func(content string) func(string) error {
		return func(dir string) error { return os.WriteFile(filepath.Join(dir, "f"), []byte(content), 0o644) }
	}
	if err := WriteDir(path, fill("one")); err != nil {
		t.Fatal(err)
	}
	err := WriteDir(path, func(dir string) error { fill("half")(dir); return errors.New("boom") })
	if err == nil {
		t.Fatal("no error")
	}
	if data, _ := os.ReadFile(filepath.Join(path, "f")); string(data) != "one" {
		t.Fatalf("failed write changed the dir: %q", data)
	}
	if err := WriteDir(path, fill("two")); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(path, "f")); string(data) != "two" {
		t.Fatalf("got %q", data)
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 1 {
		t.Fatalf("left temporaries: %v", ents)
	}
}

func TestUpdateChecksums(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.zip", "b.zip"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	a, b, c := strings.Repeat("a", 64), strings.Repeat("b", 64), strings.Repeat("c", 64)
	os.WriteFile(filepath.Join(dir, ChecksumsFile), []byte(b+"  b.zip\n"+c+"  gone.zip\nnoise\n"), 0o644)
	path, err := UpdateChecksums(dir, map[string]string{"a.zip": a})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if want := a + "  a.zip\n" + b + "  b.zip\n"; string(data) != want {
		t.Fatalf("got\n%s\nwant\n%s", data, want)
	}
}

func TestJSONForm(t *testing.T) {
	got, err := JSON(map[string]any{"url": "https://example.com/?a=1&b=<2>", "n": 1})
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"n\": 1,\n  \"url\": \"https://example.com/?a=1&b=<2>\"\n}\n"
	if string(got) != want {
		t.Fatalf("JSON = %q, want %q (two-space indent, HTML characters as they are, a final newline)", got, want)
	}
	if _, err := JSON(func() {}); err == nil {
		t.Fatal("JSON of a func: no error")
	}
}
