package adapter

// The app stage of the pipeline: the client every runtime loop shares to reach the app.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/internal/h1"
)

// staleIdle is how long a pooled connection may have been idle and still carry a request that
// cannot be repeated (POST, PATCH). An app closes idle keep-alive connections after its own timeout
// (seconds, in common servers); after a freeze, its timer fires as the sandbox thaws, just as the
// adapter sends the next request on that connection. A repeatable request is simply sent again; one
// that is not goes on a new connection instead, at the cost measured in docs/performance.md
// ("staleIdle"), once per quiet half-second.
const staleIdle = 500 * time.Millisecond

// send is the round trip to the app: req goes out, the response's head comes back. A request for a
// SnapStart hook path gets the guard's 403 instead (hooks.go).
func (a *Adapter) send(ctx context.Context, req *http.Request) (*http.Response, error) {
	if a.guarded(req) {
		return forbiddenResponse(), nil
	}
	sent := time.Now()
	resp, err := a.app.do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return nil, timeoutf("app did not answer %s %s within %s, before the invocation deadline (the adapter gives up %s early to report it)",
				req.Method, req.URL.Path, time.Since(sent).Round(time.Millisecond), deadlineMargin)
		}
		return nil, failf(errTypeApp, "app request %s %s failed: %w", req.Method, req.URL.Path, err)
	}
	return resp, nil
}

// appClient sends requests to the app. One client is shared by every runtime loop.
type appClient struct {
	addr string
	hc   *h1.Client
}

func newAppClient(cfg config.Config) *appClient {
	hc := &h1.Client{
		DialTimeout:    5 * time.Second,
		IdleTimeout:    cfg.PoolIdleTimeout,
		FreshAfter:     staleIdle,
		MaxHeaderBytes: 1 << 20,
	}
	if cfg.PoolEnabled {
		hc.MaxIdle = cfg.MaxConcurrency * 2
	}
	return &appClient{addr: cfg.AppAddr(), hc: hc}
}

// dropConnections closes every pooled connection (after a SnapStart restore they are dead).
func (c *appClient) dropConnections() { c.hc.CloseIdle() }

// do sends req. Redirects are the client's to follow, not the adapter's; the client's
// Accept-Encoding reaches the app untouched. A request that fails on a reused keep-alive connection
// before any answer (the app closed it while idle, or the sandbox was frozen past the app's idle
// timeout) is sent once more on a new connection when that cannot repeat its effect: it is
// idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE, RFC 9110 section 9.2.2, or it carries an
// Idempotency-Key) or none of it had left. A POST or PATCH is never repeated once sent: the app
// may have acted on it before closing. It is kept off connections idle for staleIdle or more
// instead, the ones an app's idle timer may be closing.
func (c *appClient) do(req *http.Request) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.explain(err)
	}
	return resp, nil
}

// explain turns a failed exchange with the app into an error saying what the app did.
func (c *appClient) explain(err error) error {
	var resent *h1.ResendError
	switch {
	case errors.As(err, &resent) && errors.Is(resent.Err, syscall.ECONNREFUSED):
		return fmt.Errorf("the app closed the connection without answering, then refused a new one at %s (it crashed or is restarting): %w", c.addr, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("nothing accepts connections at %s (the app is not running, or is restarting): %w", c.addr, err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return fmt.Errorf("the app closed the connection without answering (did it crash?): %w", err)
	}
	return err
}
