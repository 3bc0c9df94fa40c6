package output

import (
	"errors"
	"os"
	"path/filepath"
)

// PrepareDir is EnsureDir that remembers which directories it created: remove, called when the run
// fails, takes those away again if they are still empty, so that a failed run leaves no empty
// output directory behind. remove never touches a directory that existed before.
func PrepareDir(dir string) (remove func(), err error) {
	// When the path cannot even be examined (a file where a parent should be), EnsureDir says why.
	created, _ := missingDirs(dir)
	remove = func() {
		// Deepest first; os.Remove refuses a directory that is not empty, which is what we want.
		for _, d := range created {
			os.Remove(d)
		}
	}
	if err := EnsureDir(dir); err != nil {
		remove()
		return func() {}, err
	}
	return remove, nil
}

// missingDirs lists dir and those of its parents that do not exist yet, deepest first.
func missingDirs(dir string) ([]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for d := abs; ; d = filepath.Dir(d) {
		_, err := os.Lstat(d)
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		out = append(out, d)
		if filepath.Dir(d) == d {
			return out, nil
		}
	}
}
