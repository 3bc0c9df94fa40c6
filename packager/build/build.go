// Package build produces the adapter binary for each platform: cross-compiled from source with
// the go command, or taken prebuilt, and always checked to be a static ELF of the right machine.
package build

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lwa-go/lwa/packager/platform"
)

// Artifact is the adapter binary for one platform.
type Artifact struct {
	Platform platform.Platform
	// Path is the binary: in Request.OutDir when compiled, the --binary path when prebuilt.
	Path string
}

// Request says what to build.
type Request struct {
	Platforms []platform.Platform
	// Binaries are prebuilt binaries by platform; when set, nothing is compiled and every
	// platform must have one.
	Binaries map[platform.Platform]string
	// Source is where to compile from when Binaries is empty.
	Source Source
	// Version is stamped into the binary (AdapterLDFlags).
	Version string
	// OutDir receives the compiled binaries; the caller removes it.
	OutDir string
	// Env is the environment for the go command (os.Environ() in lwa-pack).
	Env []string
	// Progress, if set, receives one line per step.
	Progress func(format string, args ...any)
}

func (r Request) progress(format string, args ...any) {
	if r.Progress != nil {
		r.Progress(format, args...)
	}
}

// Build returns one verified artifact per requested platform, in the order of r.Platforms.
// Platforms compile concurrently.
func Build(ctx context.Context, r Request) ([]Artifact, error) {
	if len(r.Binaries) > 0 {
		return prebuilt(r)
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("go toolchain not found in PATH (%w): install Go from https://go.dev/dl, "+
			"or pass prebuilt binaries with --binary linux/amd64=PATH --binary linux/arm64=PATH", err)
	}
	dir, pkg := r.Source.Dir, MainPackage
	if r.Source.Kind == FromModuleProxy {
		if dir, err = fetchModule(ctx, goCmd, r); err != nil {
			return nil, err
		}
		pkg = ModulePath + strings.TrimPrefix(MainPackage, ".")
	}

	out := make([]Artifact, len(r.Platforms))
	// The first failure cancels the other platform's compile: there is no point finishing it.
	g, ctx := errgroup.WithContext(ctx)
	for i, p := range r.Platforms {
		g.Go(func() (err error) {
			out[i], err = compile(ctx, goCmd, dir, pkg, p, r)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

func prebuilt(r Request) ([]Artifact, error) {
	out := make([]Artifact, 0, len(r.Platforms))
	for _, p := range r.Platforms {
		path, ok := r.Binaries[p]
		if !ok {
			return nil, fmt.Errorf("--binary: no binary for %s: pass --binary %s=PATH or drop it from --platform", p, p)
		}
		if err := Verify(path, p); err != nil {
			return nil, fmt.Errorf("--binary %s=%s: %w", p, path, err)
		}
		r.progress("using prebuilt %s binary %s", p, path)
		out = append(out, Artifact{Platform: p, Path: path})
	}
	return out, nil
}

// AdapterTags are the build tags of every adapter build (.goreleaser.yaml, the Makefile and the
// tests' builds use the same): nethttpomithttp2 leaves out net/http's HTTP/2, which the adapter never
// speaks (plain HTTP/1.1 to the app and to the Lambda APIs), 0.4 MB of binary and of memory.
const AdapterTags = "nethttpomithttp2"

// AdapterLDFlags are the linker flags of every adapter build (.goreleaser.yaml and the Makefile
// spell out the same): stripped, with the version stamped between a marker and a ';' so that
// lwa-pack doctor can read it from the stripped file (Go leaves -ldflags out of the build info
// under -trimpath). See adapter/cmd/lambda-adapter's stamp.
func AdapterLDFlags(version string) string {
	return "-s -w -X main.stamp=" + VersionMarker + version + ";"
}

// VersionMarker precedes the version stamped in an adapter binary.
const VersionMarker = "lwa-adapter-version="

func compile(ctx context.Context, goCmd, dir, pkg string, p platform.Platform, r Request) (Artifact, error) {
	start := time.Now()
	outPath := filepath.Join(r.OutDir, "lambda-adapter-"+p.GOARCH())
	r.progress("building %s from %s", p, r.Source)
	cmd := exec.CommandContext(ctx, goCmd, "build",
		"-trimpath", "-buildvcs=false", "-tags", AdapterTags,
		"-ldflags", AdapterLDFlags(r.Version),
		"-o", outPath, pkg)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, r.Env...), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+p.GOARCH())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Artifact{}, fmt.Errorf("build %s: %w", p, ctx.Err())
		}
		return Artifact{}, fmt.Errorf("build %s: go build %s in %s: %w\n%s", p, pkg, dir, err, tail(stderr.String(), 40))
	}
	if err := Verify(outPath, p); err != nil {
		return Artifact{}, fmt.Errorf("build %s: %w", p, err)
	}
	if st, err := os.Stat(outPath); err == nil {
		r.progress("built %s (%.1f MB) in %.1fs", p, float64(st.Size())/1e6, time.Since(start).Seconds())
	}
	return Artifact{Platform: p, Path: outPath}, nil
}

// fetchModule makes a throwaway module in r.OutDir that requires the adapter at the requested
// version, so `go build` can cross-compile it (`go install pkg@version` cannot cross-compile into
// a chosen directory).
func fetchModule(ctx context.Context, goCmd string, r Request) (string, error) {
	dir := filepath.Join(r.OutDir, "module")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("fetch %s@%s: %w", ModulePath, r.Source.ModuleVersion, err)
	}
	gomod := "module lwa-pack-build\n\ngo 1.26\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		return "", fmt.Errorf("fetch %s@%s: %w", ModulePath, r.Source.ModuleVersion, err)
	}
	r.progress("fetching %s@%s", ModulePath, r.Source.ModuleVersion)
	cmd := exec.CommandContext(ctx, goCmd, "get", ModulePath+"@"+r.Source.ModuleVersion)
	cmd.Dir = dir
	// The throwaway module has no go.sum yet: let go get write it, keeping the caller's GOFLAGS.
	cmd.Env = append(append([]string{}, r.Env...), "GOFLAGS="+strings.TrimSpace(lookupEnv(r.Env, "GOFLAGS")+" -mod=mod"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("fetch %s@%s: go get: %w\n%s", ModulePath, r.Source.ModuleVersion, err, tail(stderr.String(), 20))
	}
	return dir, nil
}

// lookupEnv returns the last value of key in env.
func lookupEnv(env []string, key string) string {
	val := ""
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			val = v
		}
	}
	return val
}

// tail keeps the last n lines of s, trimmed.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
