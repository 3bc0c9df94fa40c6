// Command lambda-adapter is the Lambda Web Adapter extension: Lambda starts it from
// /opt/extensions/lambda-adapter, and it turns each invocation into an HTTP request to the app.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/lwa-go/lwa/adapter"
	"github.com/lwa-go/lwa/adapter/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "-version" || os.Args[1] == "version") {
		fmt.Println("lambda-adapter", version)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// config.Environ rather than os.LookupEnv: it also lists the names, so that a misspelt AWS_LWA_
	// variable is warned about at start instead of silently ignored.
	os.Exit(adapter.Main(ctx, config.Environ(os.Environ()), os.Stderr, version))
}
