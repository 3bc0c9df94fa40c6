// Package commands is lwa-pack's command line: the layer, image, publish and version commands,
// their flags and their output; package usage handles mistakes, help and completion. main only
// wires it to the process.
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
	"github.com/lwa-go/lwa/packager/usage"
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
	cliApp := &cli.App{
		Name:      "lwa-pack",
		Usage:     "package the Lambda Web Adapter as Lambda layer zips and OCI images",
		Writer:    o.Stdout,
		ErrWriter: o.Stderr,
		// urfave/cli's own --version prints "lwa-pack version X"; this one and the version command
		// print the same text.
		HideVersion: true,
		Flags:       []cli.Flag{&cli.BoolFlag{Name: "version", Usage: "print lwa-pack's version"}},
		Commands: []*cli.Command{
			a.layerCommand(),
			a.imageCommand(),
			a.publishCommand(),
			a.localCommand(),
			a.doctorCommand(),
			{Name: "version", Usage: "print lwa-pack's version", Action: a.printVersion},
			usage.CompletionCommand(),
		},
		Action: func(c *cli.Context) error {
			switch {
			case c.Bool("version"):
				return a.printVersion(c)
			case c.NArg() > 0:
				return usage.UnknownCommand(c, c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
		// The completion scripts ask lwa-pack for the words to offer (--generate-bash-completion).
		EnableBashCompletion: true,
	}
	usage.Install(cliApp)
	return cliApp
}

func (a *app) printVersion(*cli.Context) error {
	_, err := fmt.Fprintf(a.Stdout, "lwa-pack %s\n", a.Version)
	return err
}

// progress prints a step on stderr unless --quiet.
func (a *app) progress(quiet bool) func(format string, args ...any) {
	return func(format string, args ...any) {
		if !quiet {
			fmt.Fprintf(a.Stderr, "lwa-pack: "+format+"\n", args...)
		}
	}
}

// warn prints a warning on stderr, even with --quiet.
func (a *app) warn(format string, args ...any) {
	fmt.Fprintf(a.Stderr, "lwa-pack: warning: "+format+"\n", args...)
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
