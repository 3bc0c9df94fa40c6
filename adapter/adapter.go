// Package adapter is the Lambda Web Adapter: it registers as an external extension, waits until the
// web app is ready, then polls the Runtime API and forwards each invocation to the app over HTTP.
package adapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// Adapter is one running adapter. Create it with New and start it with Run.
type Adapter struct {
	cfg     config.Config
	log     *slog.Logger
	runtime *lambdaapi.RuntimeClient
	ext     *lambdaapi.ExtensionClient
	app     *appClient
	statics invocationStatics
	version string

	// ready is closed when the app has passed the readiness check (or readyErr is set).
	ready    chan struct{}
	readyErr error

	// authSourceMissing warns once that AWS_LWA_AUTHORIZATION_SOURCE named a header a request lacked.
	authSourceMissing sync.Once

	// shutdownDeadline is when in-flight work must be done, as a Unix time in ns (0: unset).
	shutdownDeadline atomic.Int64

	// lifecycleErr is set when the Extensions API failed for good: the stop is then a failure.
	lifecycleErr atomic.Pointer[error]

	// hungErr is set when the app stopped answering (see checkAppAfterTimeout), and stopPolling then
	// ends the runtime loops: the adapter exits so that Lambda starts a new environment.
	hungErr     atomic.Pointer[error]
	stopPolling context.CancelFunc
}

// New returns an adapter for cfg. runtime and ext are the Lambda API clients; ext may be nil in tests
// that drive only the Runtime API.
func New(cfg config.Config, log *slog.Logger, runtime *lambdaapi.RuntimeClient, ext *lambdaapi.ExtensionClient, version string) *Adapter {
	return &Adapter{
		cfg:     cfg,
		log:     log,
		runtime: runtime,
		ext:     ext,
		app:     newAppClient(cfg),
		statics: newInvocationStatics(cfg),
		version: version,
		ready:   make(chan struct{}),
	}
}

// Run waits for the app, serves invocations until SHUTDOWN, SIGTERM (ctx) or a fatal Runtime API
// failure, and lets in-flight invocations finish. An *initError means Init failed.
func (a *Adapter) Run(ctx context.Context) error {
	pollCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	a.stopPolling = stopPolling

	// Lambda finishes Init only once every extension has called event/next, so listen for lifecycle
	// events before blocking on readiness.
	if a.ext != nil {
		go a.watchLifecycle(pollCtx, stopPolling)
	}

	if err := a.init(pollCtx); err != nil {
		if pollCtx.Err() != nil && ctx.Err() == nil {
			return a.stopError() // SHUTDOWN (or a dead Extensions API) during Init
		}
		return err
	}

	loops := a.cfg.MaxConcurrency
	errs := make([]error, loops)
	var wg sync.WaitGroup
	for i := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = a.loop(pollCtx, i)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	select {
	case <-done:
		// Every loop returned: either shutdown, or they all failed.
	case <-pollCtx.Done():
		a.drain(done)
	}
	if p := a.hungErr.Load(); p != nil {
		return *p
	}
	if pollCtx.Err() != nil {
		a.log.Debug("adapter stopped")
		return a.stopError()
	}
	return fmt.Errorf("all %d runtime loops failed: %w", loops, errors.Join(errs...))
}

// stopError is why polling stopped: nil for SHUTDOWN or SIGTERM, the Extensions API's failure else.
func (a *Adapter) stopError() error {
	if p := a.lifecycleErr.Load(); p != nil {
		return *p
	}
	return nil
}

// init runs the Init phase: readiness (sync or async), then the SnapStart checkpoint when enabled.
func (a *Adapter) init(ctx context.Context) error {
	start := time.Now()
	if a.cfg.AsyncInit && !a.cfg.SnapStart() {
		// Lambda's Init phase is capped at 10 s; leave it just before, and finish the check on the
		// first invocation so a slow app is not killed by the Init timeout.
		go a.checkReadiness(context.WithoutCancel(ctx))
		t := time.NewTimer(asyncInitWait)
		defer t.Stop()
		select {
		case <-a.ready:
			if a.readyErr != nil {
				return a.readyErr
			}
			a.log.Info("app is ready", "after", time.Since(start).Round(time.Microsecond))
		case <-t.C:
			a.log.Info("async init: Init finished before the app was ready; the first invocation will wait for it")
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	}
	a.checkReadiness(ctx)
	if a.readyErr != nil {
		return a.readyErr
	}
	a.log.Info("app is ready", "after", time.Since(start).Round(time.Microsecond), "url", a.readinessTarget())
	if a.cfg.SnapStart() {
		return a.snapStart(ctx)
	}
	return nil
}

// asyncInitWait is how long Init waits for the app with AWS_LWA_ASYNC_INIT: just under Lambda's 10 s.
const asyncInitWait = 9800 * time.Millisecond

// checkReadiness runs the readiness check once and publishes its result on a.ready.
func (a *Adapter) checkReadiness(ctx context.Context) {
	a.readyErr = a.waitReady(ctx)
	close(a.ready)
}

// loop is one runtime loop: next, forward, respond, until ctx ends or the Runtime API keeps failing.
func (a *Adapter) loop(ctx context.Context, id int) error {
	log := a.log
	if a.cfg.MaxConcurrency > 1 {
		log = log.With("loop", id)
	}
	for {
		var inv *lambdaapi.Invocation
		err := retry(ctx, startupRetries, func() error {
			var err error
			inv, err = a.runtime.Next(ctx)
			if err != nil && ctx.Err() == nil {
				log.Warn("runtime API next failed; retrying", "error", err)
			}
			return err
		})
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			log.Error("runtime API unusable; this loop stops", "error", err)
			return fmt.Errorf("loop %d: %w", id, err)
		}
		// The invocation runs to completion even if shutdown starts meanwhile.
		a.handle(context.WithoutCancel(ctx), log, inv)
	}
}

// watchLifecycle waits for SHUTDOWN from the Extensions API and stops polling.
func (a *Adapter) watchLifecycle(ctx context.Context, stop context.CancelFunc) {
	failures := 0
	for ctx.Err() == nil {
		ev, err := a.ext.NextEvent(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			if failures >= startupRetries {
				err = fmt.Errorf("extensions API unusable after %d attempts: %w", failures, err)
				a.lifecycleErr.Store(&err)
				stop()
				return
			}
			a.log.Warn("extensions API event/next failed; retrying", "error", err)
			time.Sleep(min(time.Duration(failures)*50*time.Millisecond, time.Second))
			continue
		}
		failures = 0
		if ev.EventType == lambdaapi.EventShutdown {
			a.log.Debug("shutdown event", "reason", ev.ShutdownReason)
			if ev.DeadlineMs > 0 {
				a.shutdownDeadline.Store(time.UnixMilli(ev.DeadlineMs).UnixNano())
			}
			stop()
			return
		}
	}
}

// defaultShutdownBudget applies after SIGTERM without a SHUTDOWN event: Lambda allows external
// extensions 2 s in all.
const defaultShutdownBudget = 1800 * time.Millisecond

// drain waits for in-flight invocations, up to the shutdown deadline.
func (a *Adapter) drain(done <-chan struct{}) {
	budget := defaultShutdownBudget
	if ns := a.shutdownDeadline.Load(); ns != 0 {
		budget = time.Until(time.Unix(0, ns)) - 50*time.Millisecond
	}
	t := time.NewTimer(max(budget, 0))
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		a.log.Warn("shutdown budget spent with invocations still in flight", "budget", budget)
	}
}
