package adapter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/event"
	"github.com/lwa-go/lwa/adapter/internal/h1"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// MaxBufferedResponse is Lambda's limit on a buffered (synchronous) response payload: 6 MiB.
const MaxBufferedResponse = 6 << 20

// deadlineMargin is how long before the invocation deadline the adapter gives up on the app, so it
// can still report a clear error before Lambda's own timeout.
const deadlineMargin = 100 * time.Millisecond

// staleIdle is how long a pooled connection may have been idle and still carry a request that
// cannot be repeated (POST, PATCH). An app closes idle keep-alive connections after its own timeout
// (seconds, in common servers); after a freeze, its timer fires as the sandbox thaws, just as the
// adapter sends the next request on that connection. A repeatable request is simply sent again; one
// that is not goes on a new connection instead, at the cost measured in docs/performance.md
// ("staleIdle"), once per quiet half-second.
const staleIdle = 500 * time.Millisecond

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
	msg := fail.err.Error()
	if fail.message != "" {
		msg = fail.message
	}
	if rerr := a.runtime.Fail(rctx, inv.RequestID, fail.errType, msg); rerr != nil {
		log.Error("report invocation error failed", "requestId", inv.RequestID, "error", rerr)
	}
	if fail.appTimedOut {
		a.checkAppAfterTimeout(log, inv.RequestID)
	}
}

// invokeError fails one invocation (posted to /error); other errors are the Runtime API's.
type invokeError struct {
	errType string
	err     error
	message string // what Lambda gets as errorMessage when it is not err's text
	// appTimedOut marks an app that did not finish answering before the deadline.
	appTimedOut bool
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
	default:
		// Only when the app is not ready yet (async init): select would pick at random were both
		// ready, and a deadline already past is the app request's to report.
		select {
		case <-a.ready:
		case <-ctx.Done():
			return nil, nil, failf(errTypeAppTimeout, "app not ready before the invocation deadline: %s", a.readinessTarget())
		}
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
	if src := a.cfg.AuthorizationSource; src != "" && ev.Kind != event.KindPassThrough && len(ev.Header.Values(src)) == 0 {
		a.authSourceMissing.Do(func() {
			log.Warn("AWS_LWA_AUTHORIZATION_SOURCE header absent from a request; Authorization is passed on as sent (logged once)",
				"header", src, "requestId", inv.RequestID)
		})
	}
	req, err := ev.Request(ctx, a.requestOptions(inv))
	if err != nil {
		return nil, nil, &invokeError{errType: errTypeInvalidEvent, err: err}
	}
	if a.guarded(req) {
		return ev, forbiddenResponse(), nil
	}
	sent := time.Now()
	resp, err := a.app.do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			fail := failf(errTypeAppTimeout, "app did not answer %s %s within %s, before the invocation deadline (the adapter gives up %s early to report it)",
				req.Method, req.URL.Path, time.Since(sent).Round(time.Millisecond), deadlineMargin)
			fail.appTimedOut = true
			return nil, nil, fail
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
	if resp.ContentLength > MaxBufferedResponse {
		// Refuse before reading: the body cannot fit however it is encoded.
		return failf(errTypeTooLarge, "app response body is %d bytes (Content-Length), over Lambda's buffered response limit of %d bytes; use AWS_LWA_INVOKE_MODE=response_stream for larger bodies",
			resp.ContentLength, MaxBufferedResponse)
	}
	// Read one byte past the limit: a body that large cannot fit however it is encoded.
	body, err := readBody(resp, MaxBufferedResponse+1)
	if err != nil {
		if ctx.Err() != nil {
			fail := failf(errTypeAppTimeout, "app response body not complete before the invocation deadline (%d bytes read): %w", len(body), err)
			fail.appTimedOut = true
			return fail
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			return failf(errTypeApp, "app closed the connection mid-body, after %d of %s bytes (did it crash?): %w", len(body), declaredLength(resp), err)
		}
		return failf(errTypeApp, "read app response body (%d bytes read): %w", len(body), err)
	}
	if len(body) > MaxBufferedResponse {
		return failf(errTypeTooLarge, "app response body is over %d bytes (no Content-Length; reading stopped there), Lambda's buffered response limit; use AWS_LWA_INVOKE_MODE=response_stream for larger bodies", MaxBufferedResponse)
	}
	out := &event.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body}
	if a.isAppError(resp) {
		return a.errorStatus(out.StatusCode, body)
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

// errorStatusBodyMax bounds the app's body quoted in an AWS_LWA_ERROR_STATUS_CODES failure: the
// error document must stay within what the Runtime API accepts.
const errorStatusBodyMax = 1 << 20

// errorStatus fails an invocation whose status AWS_LWA_ERROR_STATUS_CODES names. Lambda gets the
// errorMessage AWS's adapter sends, {"statusCode":503,"body":"..."}, which failure destinations,
// DLQ consumers and Step Functions Catch may parse; the log line says it in words.
func (a *Adapter) errorStatus(status int, body []byte) *invokeError {
	fail := failf(errTypeErrorStatus, "app answered status %d (AWS_LWA_ERROR_STATUS_CODES=%s): %s",
		status, a.cfg.ErrorStatusCodes, truncate(body, 1024))
	if len(body) > errorStatusBodyMax {
		body = body[:errorStatusBodyMax]
	}
	var msg bytes.Buffer
	enc := json.NewEncoder(&msg)
	enc.SetEscapeHTML(false) // as serde_json writes it
	if err := enc.Encode(struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}{status, string(body)}); err == nil { // an int and a string always encode
		fail.message = strings.TrimSuffix(msg.String(), "\n")
	}
	return fail
}

// declaredLength is the body length the app announced, for messages.
func declaredLength(resp *http.Response) string {
	if resp.ContentLength < 0 {
		return "an undeclared number of"
	}
	return strconv.FormatInt(resp.ContentLength, 10)
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
