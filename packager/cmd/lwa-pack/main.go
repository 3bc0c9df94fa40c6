// Command lwa-pack packages the Lambda Web Adapter: Lambda layer zips (lwa-pack layer) and OCI
// images (lwa-pack image), without Docker. See docs/packager.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/lwa-go/lwa/packager/commands"
	"github.com/lwa-go/lwa/packager/usage"
)

// version is set at build time with -ldflags "-X main.version=...".
var version string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	wd, _ := os.Getwd()
	app := commands.New(commands.Options{Version: version, Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ(), WorkDir: wd})
	if err := app.RunContext(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "lwa-pack:", err)
		if usage.IsUsage(err) {
			os.Exit(2) // a mistake on the command line, as flag parsing conventionally exits
		}
		os.Exit(1)
	}
}
