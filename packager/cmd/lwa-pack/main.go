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
		os.Exit(1)
	}
}
