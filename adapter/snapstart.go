package adapter

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
)

// hookTimeout bounds one SnapStart hook call.
const hookTimeout = 10 * time.Second

// snapStart runs the SnapStart sequence after the app is ready: the before-checkpoint hook, then
// /runtime/restore/next (Lambda may snapshot now; it returns after a restore), then, in the restored
// copy, drops every pooled connection (they died with the snapshot), calls the after-restore hook and
// checks readiness again. Failures before the snapshot fail Init; after it, they go to
// /runtime/restore/error and the adapter exits.
func (a *Adapter) snapStart(ctx context.Context) error {
	if p := a.cfg.BeforeCheckpointPath; p != "" {
		if err := a.callHook(ctx, p, "AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH"); err != nil {
			return &initError{errType: "Runtime.BeforeCheckpointHookFailed", err: err}
		}
	}
	a.app.dropConnections()
	if err := a.runtime.RestoreNext(ctx); err != nil {
		return fmt.Errorf("snapstart: wait for restore: %w", err)
	}
	a.log.Debug("restored from snapshot")
	a.app.dropConnections()
	if err := a.afterRestore(ctx); err != nil {
		a.log.Error("after restore failed", "error", err)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if rerr := a.runtime.RestoreError(rctx, "Runtime.AfterRestoreError", err.Error()); rerr != nil {
			a.log.Error("report restore error failed", "error", rerr)
		}
		return fmt.Errorf("snapstart: %w", err)
	}
	return nil
}

func (a *Adapter) afterRestore(ctx context.Context) error {
	if p := a.cfg.AfterRestorePath; p != "" {
		if err := a.callHook(ctx, p, "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH"); err != nil {
			return err
		}
	}
	if err := (&Adapter{cfg: a.cfg, log: a.log}).waitReady(ctx); err != nil {
		return fmt.Errorf("readiness check after restore: %w", err)
	}
	return nil
}

// callHook POSTs an empty body to the app's hook path and requires a 2xx answer.
func (a *Adapter) callHook(ctx context.Context, path, variable string) error {
	ctx, cancel := context.WithTimeout(ctx, hookTimeout)
	defer cancel()
	url := "http://" + a.cfg.AppAddr() + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, http.NoBody)
	if err != nil {
		return fmt.Errorf("hook %s (%s): %w", path, variable, err)
	}
	resp, err := a.app.hc.Do(req)
	if err != nil {
		return fmt.Errorf("hook POST %s (%s): %w", path, variable, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("hook POST %s (%s): app answered %d: %s", path, variable, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// guarded reports whether req targets a SnapStart hook: those are control-plane routes that no
// invocation may reach, however the path is spelled.
func (a *Adapter) guarded(req *http.Request) bool {
	if a.cfg.BeforeCheckpointPath == "" && a.cfg.AfterRestorePath == "" {
		return false
	}
	p := req.URL.EscapedPath()
	canon, err := config.CanonicalPath(p)
	if err != nil {
		return true // a path we cannot decode is no path to let near the hooks
	}
	for _, h := range []string{a.cfg.BeforeCheckpointPath, a.cfg.AfterRestorePath} {
		if h == "" {
			continue
		}
		if hc, err := config.CanonicalPath(h); err == nil && hc == canon {
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
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
	}
}
