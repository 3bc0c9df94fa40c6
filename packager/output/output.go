// Package output writes lwa-pack's artifacts so that a failed or interrupted run leaves nothing
// half-written: every file and directory is built under a temporary name beside its destination
// and renamed into place only when complete.
package output

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// EnsureDir creates dir if needed and checks that files can be created in it, so a bad --output
// fails before minutes of compiling rather than after.
func EnsureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".lwa-pack-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write in directory: %w", err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// Join returns dir/name, refusing a name that would leave dir (absolute, or with .. elements).
func Join(dir, name string) (string, error) {
	if !filepath.IsLocal(name) || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("file name %q would leave the output directory", name)
	}
	return filepath.Join(dir, name), nil
}

// WriteFile writes path atomically: write fills a temporary file in the same directory, which is
// synced and renamed to path only if write succeeds. The file gets mode perm.
func WriteFile(path string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteBytes writes data to path atomically, as WriteFile does.
func WriteBytes(path string, perm os.FileMode, data []byte) error {
	return WriteFile(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteDir builds the directory path atomically: fill populates a fresh temporary directory beside
// path, which then replaces path (an existing path is moved aside first and removed after).
func WriteDir(path string, fill func(dir string) error) (err error) {
	path = filepath.Clean(path)
	parent, base := filepath.Split(path)
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fill(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	st, statErr := os.Lstat(path)
	if errors.Is(statErr, os.ErrNotExist) {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	if statErr != nil {
		return fmt.Errorf("write %s: %w", path, statErr)
	}
	if !st.IsDir() {
		return fmt.Errorf("write %s: exists and is not a directory", path)
	}
	old := tmp + ".old"
	if err := os.Rename(path, old); err != nil {
		return fmt.Errorf("write %s: move the previous one aside: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Rename(old, path) // put the previous one back
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("write %s: remove the previous one: %w", path, err)
	}
	return nil
}
