// Package commands is lwa-pack's command line: the layer, image and version commands, their
// flags and their output. main only wires it to the process.
package commands

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"

	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/packager/build"
	"github.com/lwa-go/lwa/packager/platform"
)

// Options are what the process gives the app.
type Options struct {
	// Version is lwa-pack's version from -ldflags "-X main.version=..."; empty means the module
	// version from the build info, else "dev".
	Version string
	// Stdout receives results; Stderr receives progress lines and usage errors.
	Stdout, Stderr io.Writer
	// Environ is the environment for the go command.
	Environ []string
	// WorkDir is where to look for an enclosing checkout of the adapter's module.
	WorkDir string
	// ModuleVersion overrides the build info's module version (the adapter version fetched when
	// there is no checkout); tests set it.
	ModuleVersion string
	// Transport replaces the registry HTTP transport (tests).
	Transport http.RoundTripper
}

type app struct {
	Options
}

// New returns the lwa-pack command line app.
func New(o Options) *cli.App {
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	modVersion := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		modVersion = bi.Main.Version
	}
	if o.ModuleVersion == "" {
		o.ModuleVersion = modVersion
	}
	if o.Version == "" {
		o.Version = "dev"
		if o.ModuleVersion != "" && o.ModuleVersion != "(devel)" {
			o.Version = o.ModuleVersion
		}
	}
	a := &app{Options: o}
	return &cli.App{
		Name:      "lwa-pack",
		Usage:     "package the Lambda Web Adapter as Lambda layer zips and OCI images",
		Version:   o.Version,
		Writer:    o.Stdout,
		ErrWriter: o.Stderr,
		Commands: []*cli.Command{
			a.layerCommand(),
			a.imageCommand(),
			a.localCommand(),
			a.doctorCommand(),
			{
				Name:  "version",
				Usage: "print lwa-pack's version",
				Action: func(c *cli.Context) error {
					_, err := fmt.Fprintf(o.Stdout, "lwa-pack %s\n", o.Version)
					return err
				},
			},
		},
		HideHelpCommand:      true,
		EnableBashCompletion: false,
	}
}

// progress prints a step on stderr unless --quiet.
func (a *app) progress(quiet bool) func(format string, args ...any) {
	return func(format string, args ...any) {
		if !quiet {
			fmt.Fprintf(a.Stderr, "lwa-pack: "+format+"\n", args...)
		}
	}
}

// build produces the adapter binary for each platform, from --binary files or by compiling.
// The returned cleanup removes the compiled binaries.
func (a *app) build(ctx context.Context, cm common, platforms []platform.Platform) ([]build.Artifact, func(), error) {
	req := build.Request{
		Platforms: platforms,
		Binaries:  cm.binaries,
		Version:   cm.version,
		Env:       a.Environ,
		Progress:  a.progress(cm.quiet),
	}
	if len(cm.binaries) == 0 {
		src, err := build.ResolveSource(cm.source, a.WorkDir, a.ModuleVersion)
		if err != nil {
			return nil, func() {}, err
		}
		req.Source = src
	}
	tmp, err := os.MkdirTemp("", "lwa-pack-*")
	if err != nil {
		return nil, func() {}, fmt.Errorf("build: %w", err)
	}
	cleanup := func() { os.RemoveAll(tmp) }
	req.OutDir = tmp
	arts, err := build.Build(ctx, req)
	if err != nil {
		cleanup()
		return nil, func() {}, err
	}
	return arts, cleanup, nil
}
