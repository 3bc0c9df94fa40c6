// Command lambda-adapter is the Lambda Web Adapter extension: Lambda starts it from
// /opt/extensions/lambda-adapter, and it turns each invocation into an HTTP request to the app.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/lwa-go/lwa/adapter"
	"github.com/lwa-go/lwa/adapter/config"
)

// stamp is set at build time with -ldflags "-X main.stamp=lwa-adapter-version=VERSION;" (the
// flags are packager/build.AdapterLDFlags). The marker around the version lets a stripped binary
// say which release it is without being run: lwa-pack doctor finds it in the file, for any
// architecture. The marker text is only ever in the stamp, never in this code.
var stamp = "lwa-adapter-version=dev;"

// version is the release the stamp names.
func version() string {
	_, v, _ := strings.Cut(stamp, "=")
	return strings.TrimSuffix(v, ";")
}

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "-version" || os.Args[1] == "version") {
		fmt.Println("lambda-adapter", version())
		return
	}
	tuningFor(os.LookupEnv).apply()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// config.Environ rather than os.LookupEnv: it also lists the names, so that a misspelt AWS_LWA_
	// variable is warned about at start instead of silently ignored.
	os.Exit(adapter.Main(ctx, config.Environ(os.Environ()), os.Stderr, version()))
}

// tuning is the process-wide Go runtime settings the adapter runs best with. It is decided and
// applied here, in the command, so that nothing else running adapter.Main (the tests) inherits it.
type tuning struct {
	maxProcs  int // runtime.GOMAXPROCS; 0 leaves it
	gcPercent int // debug.SetGCPercent; 0 leaves it
}

// tuningFor decides the tuning from the environment; a GOMAXPROCS or GOGC the user set wins.
func tuningFor(lookup config.Lookup) tuning {
	var t tuning
	// One runtime loop serves one invocation at a time: a second P only adds cross-CPU wake-ups
	// (IPIs) to every hop between Lambda, the adapter and the app (docs/performance.md, section
	// "GOMAXPROCS=1"). An invalid configuration leaves the setting alone: the adapter then only
	// reports the error and exits.
	if _, set := lookup("GOMAXPROCS"); !set {
		if cfg, _, err := config.FromEnv(lookup); err == nil && cfg.MaxConcurrency == 1 {
			t.maxProcs = 1
		}
	}
	// The adapter's live heap is tiny and its garbage steady, so the heap's floor at GOGC=100 is
	// mostly garbage held in resident memory; collecting at half that saves resident memory for no
	// measurable latency (docs/performance.md, section "GOGC=50").
	if _, set := lookup("GOGC"); !set {
		t.gcPercent = 50
	}
	return t
}

// apply sets the tuning for the process.
func (t tuning) apply() {
	if t.maxProcs > 0 {
		runtime.GOMAXPROCS(t.maxProcs)
	}
	if t.gcPercent > 0 {
		debug.SetGCPercent(t.gcPercent)
	}
}
