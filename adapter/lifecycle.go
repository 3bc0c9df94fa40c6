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
	"github.com/lwa-go/lwa/adapter/readiness"
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

	// stop ends the runtime loops with the reason as the cause: errShutdown, or a *stopFailure
	// (the Extensions API failed for good, the app is hung). Set by Run; nil when the adapter is
	// driven without Run, in tests.
	stop context.CancelCauseFunc
}

// errShutdown is the stop cause of a SHUTDOWN event.
var errShutdown = errors.New("SHUTDOWN event")

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
	pollCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	a.stop = stop

	// Lambda finishes Init only once every extension has called event/next, so listen for lifecycle
	// events before blocking on readiness.
	if a.ext != nil {
		go a.watchLifecycle(pollCtx)
	}

	if err := a.init(pollCtx); err != nil {
		if pollCtx.Err() != nil && ctx.Err() == nil {
			return stopError(pollCtx) // SHUTDOWN (or a dead Extensions API) during Init
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
	if pollCtx.Err() != nil {
		a.log.Debug("adapter stopped", "cause", context.Cause(pollCtx))
		return stopError(pollCtx)
	}
	return fmt.Errorf("all %d runtime loops failed: %w", loops, errors.Join(errs...))
}

// stopError is why ctx (Run's polling context) ended, as Run returns it: nil for SHUTDOWN or
// SIGTERM, the failure for a *stopFailure.
func stopError(ctx context.Context) error {
	var f *stopFailure
	if errors.As(context.Cause(ctx), &f) {
		return f.err
	}
	return nil
}

// fail stops the adapter with err as the reason it exits non-zero. The first stop cause wins.
func (a *Adapter) fail(err error) {
	if a.stop != nil {
		a.stop(&stopFailure{err})
	}
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
	a.log.Info("app is ready", "after", time.Since(start).Round(time.Microsecond), "url", readiness.Target(a.cfg))
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

// waitReady is the Init phase's readiness check: its timeout fails Init.
func (a *Adapter) waitReady(ctx context.Context) error {
	err := readiness.Wait(ctx, a.cfg, a.log)
	if te := (*readiness.TimeoutError)(nil); errors.As(err, &te) {
		return &initError{errType: errTypeReadiness, err: err}
	}
	return err
}

// snapStart runs the SnapStart sequence once the app is ready: the before-checkpoint hook, then
// /runtime/restore/next (Lambda may snapshot now; it returns in each restored copy), then, in the
// restored copy, it drops every pooled connection to the app (they were captured in the snapshot),
// calls the after-restore hook and checks readiness again. A failure before the snapshot is an
// *initError; after it, the failure is posted to /runtime/restore/error and returned as a
// *restoreError.
func (a *Adapter) snapStart(ctx context.Context) error {
	if p := a.cfg.BeforeCheckpointPath; p != "" {
		if err := a.callHook(ctx, "before-checkpoint", p, beforeCheckpointVar); err != nil {
			if ctx.Err() != nil {
				return ctx.Err() // shutdown during Init, not a hook failure
			}
			return &initError{errType: errTypeBeforeCheckpoint, err: err}
		}
	}
	// Under SnapStart the config disables pooling; drop anyway, so that no connection to the app
	// can be captured in the snapshot whatever the pool settings.
	a.app.dropConnections()
	a.log.Info("ready for the snapshot: waiting for a restore")
	if err := a.runtime.RestoreNext(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutdown of the Init copy while it waits to be snapshotted
		}
		// An answer other than 2xx comes at once, before any snapshot: Init fails (the real RIE
		// answers 404 unless started with --enable-init-caching). A broken connection may come after
		// a restore, when Init is over: the adapter just exits.
		var se *lambdaapi.StatusError
		if errors.As(err, &se) {
			return &initError{errType: errTypeRestoreNext, err: fmt.Errorf("snapstart: %w (AWS_LAMBDA_INITIALIZATION_TYPE=%s)", err, a.cfg.InitializationType)}
		}
		return fmt.Errorf("snapstart: wait for restore: %w", err)
	}
	a.log.Info("restored from a snapshot")
	a.app.dropConnections()
	if err := a.afterRestore(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutdown during restore
		}
		a.log.Error("restore failed", "type", err.errType, "error", err.err)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restoreErrorTimeout)
		defer cancel()
		if rerr := a.runtime.RestoreError(rctx, err.errType, err.err.Error()); rerr != nil {
			a.log.Error("report restore error failed", "error", rerr)
		}
		return err
	}
	return nil
}

// restoreErrorTimeout bounds the post to /runtime/restore/error.
const restoreErrorTimeout = 2 * time.Second

// afterRestore calls the after-restore hook, then checks readiness again (bounded by
// AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS when set).
func (a *Adapter) afterRestore(ctx context.Context) *restoreError {
	if p := a.cfg.AfterRestorePath; p != "" {
		if err := a.callHook(ctx, "after-restore", p, afterRestoreVar); err != nil {
			return &restoreError{errType: errTypeAfterRestore, err: err}
		}
	}
	if err := readiness.Wait(ctx, a.cfg, a.log); err != nil {
		return &restoreError{errType: errTypeRestoreNotReady, err: fmt.Errorf("readiness check after restore: %w", err)}
	}
	return nil
}

// watchLifecycle waits for SHUTDOWN from the Extensions API and stops polling.
func (a *Adapter) watchLifecycle(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		ev, err := a.ext.NextEvent(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			if failures >= startupRetries {
				a.fail(fmt.Errorf("extensions API unusable after %d attempts: %w", failures, err))
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
			a.stop(errShutdown)
			return
		}
	}
}

// checkAppAfterTimeout makes one readiness attempt after an invocation the app did not finish
// before its deadline. The adapter reports such an invocation itself, just before Lambda's own
// timeout, so Lambda does not reset the environment as its timeout would. An app that still answers
// its readiness check was merely slow; one that does not (a blocked event loop, a deadlock, every
// worker stuck) would stay so and fail every later invocation, so the adapter stops polling and
// exits, and Lambda starts a new environment, as after its own timeout. In TCP mode an app that
// still accepts connections passes.
func (a *Adapter) checkAppAfterTimeout(log *slog.Logger, requestID string) {
	healthy, result := readiness.Check(context.Background(), a.cfg)
	if healthy {
		log.Warn("app still passes its readiness check after a timed-out invocation; serving on", "requestId", requestID)
		return
	}
	err := fmt.Errorf("app fails its readiness check (%s: %s) after invocation %s timed out: it is hung; exiting so that Lambda starts a new environment",
		readiness.Target(a.cfg), result, requestID)
	log.Error("app is not answering", "error", err)
	a.fail(err)
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
