package output

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPrepareDirRemovesOnlyWhatItCreated(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "dist")
	remove, err := PrepareDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("not created: %v", err)
	}
	remove()
	if _, err := os.Stat(filepath.Join(root, "a")); !os.IsNotExist(err) {
		t.Fatalf("created directories left behind: %v", err)
	}
	if _, err := os.Stat(root); err != nil {
		t.Fatalf("the pre-existing directory went too: %v", err)
	}

	// An existing directory, and one that got a file, stay.
	remove, err = PrepareDir(root)
	if err != nil {
		t.Fatal(err)
	}
	remove()
	if _, err := os.Stat(root); err != nil {
		t.Fatal("removed a directory it did not create")
	}
	remove, _ = PrepareDir(dir)
	os.WriteFile(filepath.Join(dir, "keep"), nil, 0o644)
	remove()
	if _, err := os.Stat(filepath.Join(dir, "keep")); err != nil {
		t.Fatal("removed a directory with a file in it")
	}
}

func TestPrepareDirUnderAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := PrepareDir(filepath.Join(file, "dist")); err == nil {
		t.Fatal("made a directory under a file")
	}
}
