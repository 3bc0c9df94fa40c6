package adapter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/internal/h1"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// ExtensionName is the name the adapter registers under. Lambda requires it to equal the file name in
// /opt/extensions; any other name registers an "internal" extension and Init waits for ever.
const ExtensionName = "lambda-adapter"

// Main runs the adapter until shutdown and returns the process exit code. lookup reads the
// environment (config.Environ(os.Environ()) in production, which also lists the names so that
// unknown AWS_LWA_ variables are warned about). It leaves the Go runtime as it finds it: the process's
// tuning (GOMAXPROCS, GC percent) is the command's, in cmd/lambda-adapter.
func Main(ctx context.Context, lookup config.Lookup, stderr io.Writer, version string) int {
	cfg, warnings, cfgErr := config.FromEnv(lookup)
	log := newLogger(stderr, cfg)
	for _, w := range warnings {
		log.Warn(w)
	}
	if cfg.ExtensionsAPI == "" {
		log.Error("cannot start: " + cfgErr.Error())
		return 1
	}
	lambdaHTTP := newLambdaHTTPClient(cfg.MaxConcurrency)
	ext := lambdaapi.NewExtensionClient(cfg.ExtensionsAPI, lambdaHTTP)
	err := retry(ctx, startupRetries, func() error {
		return ext.Register(ctx, ExtensionName, []string{lambdaapi.EventShutdown})
	})
	if err != nil {
		log.Error("register extension failed", "error", err)
		return 1
	}
	rt := lambdaapi.NewRuntimeClient(cfg.RuntimeAPI, lambdaHTTP)
	if cfgErr != nil {
		log.Error("invalid configuration", "error", cfgErr)
		reportInitError(ctx, log, rt, errTypeConfig, cfgErr)
		return 1
	}
	a := New(cfg, log, rt, ext, version)
	if err := a.Run(ctx); err != nil {
		var ie *initError
		if errors.As(err, &ie) {
			log.Error("init failed", "type", ie.errType, "error", ie.err)
			reportInitError(ctx, log, rt, ie.errType, ie.err)
			return 1
		}
		log.Error("adapter stopped", "error", err)
		return 1
	}
	return 0
}

func reportInitError(ctx context.Context, log *slog.Logger, rt *lambdaapi.RuntimeClient, errType string, cause error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := rt.InitError(ctx, errType, cause.Error()); err != nil {
		log.Error("report init error failed", "error", err)
	}
}

func newLogger(w io.Writer, cfg config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogJSON {
		// The keys of Lambda's own JSON log format (timestamp, level, message), which CloudWatch
		// Logs Insights and the Lambda console read.
		opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 {
				switch a.Key {
				case slog.TimeKey:
					a.Key = "timestamp"
				case slog.MessageKey:
					a.Key = "message"
				}
			}
			return a
		}
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newLambdaHTTPClient is the client for the Runtime and Extensions APIs: no timeout (next blocks until
// an event arrives; every call carries its own context), no proxy (the APIs are link-local), one
// idle connection per loop plus spares.
func newLambdaHTTPClient(loops int) *h1.Client {
	return &h1.Client{DialTimeout: 2 * time.Second, MaxIdle: loops + 4}
}

// startupRetries bounds how long the adapter retries an unreachable or failing Lambda API before it
// exits and lets Lambda restart the sandbox: 10 ms doubling to 1 s, about 6 s in all.
const startupRetries = 12

// retry calls f until it succeeds, ctx ends, or attempts run out, backing off exponentially.
func retry(ctx context.Context, attempts int, f func() error) error {
	delay := 10 * time.Millisecond
	var err error
	for i := 0; i < attempts; i++ {
		if err = f(); err == nil {
			return nil
		}
		if i == attempts-1 {
			break
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up: %w)", err, ctx.Err())
		case <-t.C:
		}
		delay = min(delay*2, time.Second)
	}
	return fmt.Errorf("%w (after %d attempts)", err, attempts)
}
