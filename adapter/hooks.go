package adapter

// The SnapStart hooks: the adapter calls them around the snapshot (lifecycle.go's snapStart) and
// keeps every invocation off their paths (guarded).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
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
	for _, h := range a.statics.hooks {
		if config.SameRoute(p, h.canon) {
			a.log.Warn("refused a request for a SnapStart hook path", "path", p, "hook", h.path)
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
