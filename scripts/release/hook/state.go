package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lwa-go/lwa/packager/output"
)

// state is the hook's scratch directory inside goreleaser's dist, shared by the concurrent build
// hooks and the publisher: goreleaser runs builds in parallel and has no "after all builds" hook
// in its open-source edition, so the hooks coordinate through files.
type state struct {
	dir string
}

func newState(dist string) state { return state{dir: filepath.Join(dist, ".lwa-release")} }

func (s state) binariesDir() string { return filepath.Join(s.dir, "binaries") }
func (s state) lwaPack() string     { return filepath.Join(s.dir, "lwa-pack") }
func (s state) layerDir() string    { return filepath.Join(s.dir, "layer") }
func (s state) imageFile() string   { return filepath.Join(s.dir, "image.json") }

// platformKey turns linux/amd64 into a file name.
func platformKey(platform string) string { return strings.ReplaceAll(platform, "/", "_") }

// record notes that platform's binary is complete at path. It is written under a temporary name
// and renamed, so a reader never sees half a path.
func (s state) record(platform, path string) error {
	if err := os.MkdirAll(s.binariesDir(), 0o755); err != nil {
		return fmt.Errorf("record %s binary: %w", platform, err)
	}
	final := filepath.Join(s.binariesDir(), platformKey(platform))
	if err := output.WriteBytes(final, 0o644, []byte(path)); err != nil {
		return fmt.Errorf("record %s binary: %w", platform, err)
	}
	return nil
}

// binaries returns the recorded binaries among platforms, by platform.
func (s state) binaries(platforms []string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range platforms {
		data, err := os.ReadFile(filepath.Join(s.binariesDir(), platformKey(p)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read recorded %s binary: %w", p, err)
		}
		out[p] = string(data)
	}
	return out, nil
}

// claim returns true for exactly one caller: the one that gets to pack. Mkdir is atomic on
// every file system goreleaser runs on, unlike checking for a file and then creating it.
func (s state) claim() (bool, error) {
	err := os.Mkdir(filepath.Join(s.dir, "packed"), 0o755)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim packing: %w", err)
	}
	return true, nil
}

// sortedPlatforms returns the keys of m in order.
func sortedPlatforms(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
