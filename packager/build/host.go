package build

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Host compiles the adapter for the machine lwa-pack runs on (lwa-pack local), from r.Source into
// r.OutDir, with the release's flags and tags, and returns the binary's path. r.Platforms and
// r.Binaries are not used: the target is always GOOS/GOARCH of this process.
func Host(ctx context.Context, r Request) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("go toolchain not found in PATH (%w): install Go from https://go.dev/dl, "+
			"or pass a prebuilt adapter with --adapter-binary PATH", err)
	}
	dir, pkg := r.Source.Dir, MainPackage
	if r.Source.Kind == FromModuleProxy {
		if dir, err = fetchModule(ctx, goCmd, r); err != nil {
			return "", err
		}
		pkg = ModulePath + strings.TrimPrefix(MainPackage, ".")
	}
	out := filepath.Join(r.OutDir, "lambda-adapter")
	if runtime.GOOS == "windows" {
		out += ".exe"
	}
	r.progress("building the adapter for %s/%s from %s", runtime.GOOS, runtime.GOARCH, r.Source)
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-buildvcs=false", "-tags", AdapterTags,
		"-ldflags", AdapterLDFlags(r.Version), "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, r.Env...), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build the adapter for this machine: go build %s in %s: %w\n%s", pkg, dir, err, tail(stderr.String(), 40))
	}
	return out, nil
}
