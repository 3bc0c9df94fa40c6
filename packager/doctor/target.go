package doctor

import (
	"archive/zip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Kind is what a target is.
type Kind string

// Target kinds.
const (
	KindFunctionZip Kind = "function-zip" // a zip function's code: /var/task
	KindLayerZip    Kind = "layer-zip"    // a layer: /opt
	KindFunctionDir Kind = "function-dir" // an unpacked zip function: /var/task
	KindLayerDir    Kind = "layer-dir"    // an unpacked layer (extensions/ at its top): /opt
	KindRootDir     Kind = "root-dir"     // a directory holding var/task and/or opt
	KindImage       Kind = "image"        // a container image (layout, tarball or registry)
)

// Target is the filesystem view the checks read.
type Target struct {
	Name string
	Kind Kind
	// Task is the function's code (/var/task); nil when the target has none.
	Task fs.FS
	// Opt is /opt; nil when the target has none (a function zip: its layers bring /opt).
	Opt fs.FS
	// ZipBytes and UnzippedBytes are a zip's sizes (0 for other kinds).
	ZipBytes, UnzippedBytes int64
	// Image is set for images.
	Image *Image
	close func() error
}

// Close releases the target's open files.
func (t *Target) Close() error {
	if t.close != nil {
		return t.close()
	}
	return nil
}

// openLocal opens a zip or a directory; ok is false when path is neither (an image, or not found).
func openLocal(path string) (*Target, bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, false, nil
	}
	if st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "oci-layout")); err == nil {
			return nil, false, nil
		}
		return openDir(path), true, nil
	}
	if isZip(path) {
		t, err := openZip(path, st.Size())
		return t, true, err
	}
	return nil, false, nil
}

func openDir(path string) *Target {
	t := &Target{Name: path}
	task, opt := filepath.Join(path, "var", "task"), filepath.Join(path, "opt")
	_, errTask := os.Stat(task)
	_, errOpt := os.Stat(opt)
	if errTask != nil && errOpt != nil {
		if st, err := os.Stat(filepath.Join(path, "extensions")); err == nil && st.IsDir() {
			t.Kind, t.Opt = KindLayerDir, os.DirFS(path)
			return t
		}
		t.Kind, t.Task = KindFunctionDir, os.DirFS(path)
		return t
	}
	t.Kind = KindRootDir
	if errTask == nil {
		t.Task = os.DirFS(task)
	}
	if errOpt == nil {
		t.Opt = os.DirFS(opt)
	}
	return t
}

func isZip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	n, _ := f.Read(magic)
	return n == 4 && string(magic) == "PK\x03\x04" || n == 4 && string(magic) == "PK\x05\x06"
}

// openZip opens a function or layer zip: a zip with an extensions/ directory is a layer.
func openZip(path string, size int64) (*Target, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("open zip %s: %w", path, err)
	}
	t := &Target{Name: path, Kind: KindFunctionZip, ZipBytes: size, close: zr.Close}
	layer := false
	for _, f := range zr.File {
		t.UnzippedBytes += int64(f.UncompressedSize64)
		if strings.HasPrefix(f.Name, "extensions/") {
			layer = true
		}
	}
	if layer {
		t.Kind, t.Opt = KindLayerZip, &zr.Reader
	} else {
		t.Task = &zr.Reader
	}
	return t, nil
}

// statFile returns a file's info and, for a regular file, its whole content (an image's files
// were already cut at maxFileRead when its layers were read); a missing file is (nil, nil, nil).
func statFile(fsys fs.FS, name string) (fs.FileInfo, []byte, error) {
	if fsys == nil {
		return nil, nil, nil
	}
	info, err := fs.Stat(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("stat %s: %w", name, err)
	}
	if !info.Mode().IsRegular() {
		return info, nil, nil
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	return info, data, nil
}
