package adapter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// Error types of the SnapStart phases. Each matches ^(Runtime|Function)\.[A-Z][a-zA-Z]+$.
const (
	errTypeBeforeCheckpoint = "Runtime.BeforeCheckpointHookFailed" // posted to /runtime/init/error
	errTypeAfterRestore     = "Runtime.AfterRestoreHookFailed"     // posted to /runtime/restore/error
	errTypeRestoreNotReady  = "Runtime.AppNotReadyAfterRestore"    // posted to /runtime/restore/error
	errTypeRestoreNext      = "Runtime.RestoreNextFailed"          // posted to /runtime/init/error
)

// The variables naming the hooks, for messages.
const (
	beforeCheckpointVar = "AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH"
	afterRestoreVar     = "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH"
)

// hookLogPeriod is how often a hook that has not answered yet is logged. The adapter sets no
// deadline of its own on a hook: Lambda bounds both phases, and a before-checkpoint hook that primes
// caches may legitimately take long.
const hookLogPeriod = 2 * time.Second

// restoreErrorTimeout bounds the post to /runtime/restore/error.
const restoreErrorTimeout = 2 * time.Second

// restoreError is a failure after a SnapStart restore. It has been posted to /runtime/restore/error
// already; the adapter must exit. It never wraps an *initError, so Main does not report it to
// /runtime/init/error as well.
type restoreError struct {
	errType string
	err     error
}

func (e *restoreError) Error() string { return "after restore: " + e.err.Error() }
func (e *restoreError) Unwrap() error { return e.err }

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

// afterRestore calls the after-restore hook, then checks readiness again (bounded by
// AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS when set).
func (a *Adapter) afterRestore(ctx context.Context) *restoreError {
	if p := a.cfg.AfterRestorePath; p != "" {
		if err := a.callHook(ctx, "after-restore", p, afterRestoreVar); err != nil {
			return &restoreError{errType: errTypeAfterRestore, err: err}
		}
	}
	if err := a.waitReady(ctx); err != nil {
		// waitReady reports a timeout as an *initError; keep only its message, since Init is over.
		var ie *initError
		if errors.As(err, &ie) {
			err = errors.New(ie.err.Error())
		}
		return &restoreError{errType: errTypeRestoreNotReady, err: fmt.Errorf("readiness check after restore: %w", err)}
	}
	return nil
}

// callHook POSTs an empty body to the app's hook path and requires a 2xx answer. Its errors name the
// hook path, the variable and what the app answered.
func (a *Adapter) callHook(ctx context.Context, hook, path, variable string) error {
	start := time.Now()
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(hookLogPeriod)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				a.log.Info("SnapStart hook has not answered yet", "hook", hook, "path", path,
					"after", time.Since(start).Round(time.Millisecond))
			}
		}
	}()

	url := "http://" + a.statics.opts.Host + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, http.NoBody)
	if err != nil {
		return fmt.Errorf("%s hook POST %s (%s): %w", hook, path, variable, err)
	}
	resp, err := a.app.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s hook POST %s (%s): no answer from the app: %w", hook, path, variable, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode/100 != 2 {
		msg := fmt.Sprintf("%s hook POST %s (%s): app answered %s, want 2xx", hook, path, variable, resp.Status)
		if b := strings.TrimSpace(string(body)); b != "" {
			msg += ": " + b
		}
		return errors.New(msg)
	}
	a.log.Info("SnapStart hook done", "hook", hook, "path", path, "status", resp.StatusCode,
		"took", time.Since(start).Round(time.Microsecond))
	return nil
}

// guarded reports whether req targets a SnapStart hook. Hooks are control-plane routes no invocation
// may reach, however the path is spelled; req is the request as it would go to the app, after the
// base path is removed, so the comparison is with what the app would route.
func (a *Adapter) guarded(req *http.Request) bool {
	p := req.URL.EscapedPath()
	for _, h := range [2]string{a.cfg.BeforeCheckpointPath, a.cfg.AfterRestorePath} {
		if h != "" && config.SameRoute(p, config.CanonicalPath(h)) {
			a.log.Warn("refused a request for a SnapStart hook path", "path", p, "hook", h)
			return true
		}
	}
	return false
}

// forbiddenResponse is what a guarded request gets instead of reaching the app.
func forbiddenResponse() *http.Response {
	body := "Forbidden\n"
	return &http.Response{
		StatusCode:    http.StatusForbidden,
		Status:        "403 Forbidden",
		Header:        http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
		Body:          guardBody{strings.NewReader(body)},
		ContentLength: int64(len(body)),
	}
}

// guardBody marks the guard's own 403: it is the adapter's answer, not the app's, so
// AWS_LWA_ERROR_STATUS_CODES (which judges the app) does not apply to it.
type guardBody struct{ *strings.Reader }

func (guardBody) Close() error { return nil }

// isAppError reports whether the app's status is one AWS_LWA_ERROR_STATUS_CODES fails.
func (a *Adapter) isAppError(resp *http.Response) bool {
	if _, ours := resp.Body.(guardBody); ours {
		return false
	}
	return a.cfg.ErrorStatusCodes.Contains(resp.StatusCode)
}
