package adapter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/event"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// MaxBufferedResponse is Lambda's limit on a buffered (synchronous) response payload: 6 MiB.
const MaxBufferedResponse = 6 << 20

// deadlineMargin is how long before the invocation deadline the adapter gives up on the app, so it
// can still report a clear error before Lambda's own timeout.
const deadlineMargin = 100 * time.Millisecond

// appClient sends requests to the app. One client is shared by every runtime loop.
type appClient struct {
	hc        *http.Client
	transport *http.Transport
}

func newAppClient(cfg config.Config) *appClient {
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: -1}).DialContext,
		MaxIdleConns:          cfg.MaxConcurrency * 2,
		MaxIdleConnsPerHost:   cfg.MaxConcurrency * 2,
		IdleConnTimeout:       cfg.PoolIdleTimeout,
		DisableKeepAlives:     !cfg.PoolEnabled,
		DisableCompression:    true, // the client's Accept-Encoding goes to the app untouched
		ExpectContinueTimeout: 0,
		MaxResponseHeaderBytes: 1 << 20,
	}
	return &appClient{
		transport: t,
		hc: &http.Client{
			Transport: t,
			// Redirects are the client's to follow, not ours.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// dropConnections closes every pooled connection (after a SnapStart restore they are dead).
func (c *appClient) dropConnections() { c.transport.CloseIdleConnections() }

// do sends req. A request that fails on a reused keep-alive connection before any answer (the app
// closed it while idle, or the sandbox was frozen past the app's idle timeout) is sent once more on a
// fresh connection when it is safe to repeat: an idempotent method, or a body that can be replayed
// and was not sent.
func (c *appClient) do(req *http.Request) (*http.Response, error) {
	var reused bool
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}
	resp, err := c.hc.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err == nil || !reused || req.Context().Err() != nil || !replayable(req) {
		return resp, err
	}
	retry := req.Clone(req.Context())
	if req.GetBody != nil {
		if retry.Body, err = req.GetBody(); err != nil {
			return nil, fmt.Errorf("replay request body: %w", err)
		}
	}
	retry.Close = true // a fresh connection, used once
	return c.hc.Do(retry)
}

func replayable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// handle serves one invocation and reports its result to the Runtime API.
func (a *Adapter) handle(ctx context.Context, log *slog.Logger, inv *lambdaapi.Invocation) {
	if !inv.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, inv.Deadline.Add(-deadlineMargin))
		defer cancel()
	}
	var err error
	if a.cfg.InvokeMode == config.InvokeResponseStream {
		err = a.stream(ctx, log, inv)
	} else {
		err = a.buffered(ctx, log, inv)
	}
	if err == nil {
		return
	}
	var fail *invokeError
	if !errors.As(err, &fail) {
		log.Error("send response failed", "requestId", inv.RequestID, "error", err)
		return
	}
	log.Error("invocation failed", "requestId", inv.RequestID, "type", fail.errType, "error", fail.err)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if rerr := a.runtime.Fail(rctx, inv.RequestID, fail.errType, fail.err.Error()); rerr != nil {
		log.Error("report invocation error failed", "requestId", inv.RequestID, "error", rerr)
	}
}

// invokeError fails one invocation (posted to /error); other errors are the Runtime API's.
type invokeError struct {
	errType string
	err     error
}

func (e *invokeError) Error() string { return e.errType + ": " + e.err.Error() }

func failf(errType, format string, args ...any) *invokeError {
	return &invokeError{errType: errType, err: fmt.Errorf(format, args...)}
}

// prepare decodes the invocation and sends its request to the app, waiting for readiness first when
// Init finished early (async init).
func (a *Adapter) prepare(ctx context.Context, log *slog.Logger, inv *lambdaapi.Invocation) (*event.Event, *http.Response, error) {
	select {
	case <-a.ready:
	case <-ctx.Done():
		return nil, nil, failf(errTypeAppTimeout, "app not ready before the invocation deadline: %s", a.readinessTarget())
	}
	if a.readyErr != nil {
		return nil, nil, &invokeError{errType: errTypeReadiness, err: a.readyErr}
	}
	ev, err := event.Decode(inv.Payload)
	if err != nil {
		return nil, nil, &invokeError{errType: errTypeInvalidEvent, err: err}
	}
	if log.Enabled(ctx, slog.LevelDebug) {
		log.Debug("event", "requestId", inv.RequestID, "kind", ev.Kind.String())
	}
	req, err := ev.Request(ctx, a.requestOptions(inv))
	if err != nil {
		return nil, nil, &invokeError{errType: errTypeInvalidEvent, err: err}
	}
	if a.guarded(req) {
		return ev, forbiddenResponse(), nil
	}
	resp, err := a.app.do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return nil, nil, failf(errTypeAppTimeout, "app did not answer %s %s before the invocation deadline (%s left for the adapter to report it)",
				req.Method, req.URL.Path, deadlineMargin)
		}
		return nil, nil, failf(errTypeApp, "app request %s %s failed: %w", req.Method, req.URL.Path, err)
	}
	return ev, resp, nil
}

// buffered serves an invocation whose response goes back to Lambda in one piece.
func (a *Adapter) buffered(ctx context.Context, log *slog.Logger, inv *lambdaapi.Invocation) error {
	ev, resp, err := a.prepare(ctx, log, inv)
	if err != nil {
		return err
	}
	return a.respondBuffered(ctx, inv, ev, resp)
}

// respondBuffered reads the app's whole answer, encodes it for the event's trigger and sends it.
func (a *Adapter) respondBuffered(ctx context.Context, inv *lambdaapi.Invocation, ev *event.Event, resp *http.Response) error {
	defer resp.Body.Close()
	// Read one byte past the limit: a body that large cannot fit however it is encoded.
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBufferedResponse+1))
	if err != nil {
		if ctx.Err() != nil {
			return failf(errTypeAppTimeout, "app response body not complete before the invocation deadline: %w", err)
		}
		return failf(errTypeApp, "read app response body: %w", err)
	}
	if len(body) > MaxBufferedResponse {
		return failf(errTypeTooLarge, "app response body exceeds %d bytes, Lambda's buffered response limit; use AWS_LWA_INVOKE_MODE=response_stream for larger bodies", MaxBufferedResponse)
	}
	out := &event.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body}
	if a.cfg.ErrorStatusCodes.Contains(out.StatusCode) {
		return failf(errTypeErrorStatus, "app answered status %d (AWS_LWA_ERROR_STATUS_CODES=%s): %s",
			out.StatusCode, a.cfg.ErrorStatusCodes, truncate(body, 1024))
	}
	if a.cfg.EnableCompression {
		if err := compressResponse(out, ev); err != nil {
			return failf(errTypeApp, "compress response: %w", err)
		}
	}
	payload, err := event.Encode(ev, out)
	if err != nil {
		return failf(errTypeApp, "encode response: %w", err)
	}
	if len(payload) > MaxBufferedResponse {
		return failf(errTypeTooLarge, "response is %d bytes once encoded for Lambda (body %d bytes), over Lambda's buffered limit of %d bytes; use AWS_LWA_INVOKE_MODE=response_stream for larger bodies",
			len(payload), len(body), MaxBufferedResponse)
	}
	// The answer must reach Lambda even if the app's deadline passed meanwhile.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := a.runtime.Respond(rctx, inv.RequestID, payload); err != nil {
		return fmt.Errorf("send response: %w", err)
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
