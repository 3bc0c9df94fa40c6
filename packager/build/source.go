package build

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ModulePath is the module that holds the adapter.
const ModulePath = "github.com/lwa-go/lwa"

// MainPackage is the adapter's main package, relative to the module root.
const MainPackage = "./adapter/cmd/lambda-adapter"

// SourceKind says where the adapter is built from.
type SourceKind int

// Where the adapter comes from, in the order Resolve tries them.
const (
	// FromDir compiles a checkout of the module (--source, or the module lwa-pack runs in).
	FromDir SourceKind = iota
	// FromModuleProxy fetches the adapter at a module version into a temporary module.
	FromModuleProxy
)

// Source is where Build gets the adapter from.
type Source struct {
	Kind SourceKind
	// Dir is the module root, for FromDir.
	Dir string
	// ModuleVersion is the version to fetch, for FromModuleProxy.
	ModuleVersion string
}

// String describes the source for progress lines.
func (s Source) String() string {
	if s.Kind == FromDir {
		return s.Dir
	}
	return ModulePath + "@" + s.ModuleVersion
}

// ResolveSource picks where the adapter comes from: the --source dir if given, else the module
// workDir is in if it is this module, else this module at moduleVersion (lwa-pack's own version,
// from its build info). Prebuilt binaries are handled by the caller before this.
func ResolveSource(sourceDir, workDir, moduleVersion string) (Source, error) {
	if sourceDir != "" {
		if err := checkModuleRoot(sourceDir); err != nil {
			return Source{}, fmt.Errorf("--source %s: %w", sourceDir, err)
		}
		abs, err := filepath.Abs(sourceDir)
		if err != nil {
			return Source{}, fmt.Errorf("--source %s: %w", sourceDir, err)
		}
		return Source{Kind: FromDir, Dir: abs}, nil
	}
	if dir, ok := enclosingModule(workDir); ok {
		return Source{Kind: FromDir, Dir: dir}, nil
	}
	if moduleVersion == "" || moduleVersion == "(devel)" {
		return Source{}, fmt.Errorf("cannot find the adapter's source: run lwa-pack inside a checkout of %s, "+
			"pass --source DIR, or pass prebuilt binaries with --binary linux/amd64=PATH", ModulePath)
	}
	return Source{Kind: FromModuleProxy, ModuleVersion: moduleVersion}, nil
}

// checkModuleRoot reports whether dir is the root of a checkout of ModulePath.
func checkModuleRoot(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return unwrapPathError(err)
	}
	if !st.IsDir() {
		return errors.New("not a directory")
	}
	mod, err := modulePath(filepath.Join(dir, "go.mod"))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("not a Go module (no go.mod): want a checkout of %s", ModulePath)
	}
	if err != nil {
		return err
	}
	if mod != ModulePath {
		return fmt.Errorf("is module %q, want a checkout of %s", mod, ModulePath)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(MainPackage))); err != nil {
		return fmt.Errorf("has no %s: %w", MainPackage, unwrapPathError(err))
	}
	return nil
}

// enclosingModule finds the nearest go.mod at or above dir; it reports it only if it is
// ModulePath's, since a developer inside another module wants the released adapter.
func enclosingModule(dir string) (string, bool) {
	if dir == "" {
		return "", false
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		mod, err := modulePath(filepath.Join(dir, "go.mod"))
		if err == nil {
			return dir, mod == ModulePath && checkModuleRoot(dir) == nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// modulePath reads the module path from a go.mod file.
func modulePath(gomod string) (string, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			mod := strings.TrimSpace(rest)
			if i := strings.Index(mod, "//"); i >= 0 {
				mod = strings.TrimSpace(mod[:i])
			}
			return strings.Trim(mod, `"`+"`"), nil
		}
	}
	return "", fmt.Errorf("%s: no module line", gomod)
}
