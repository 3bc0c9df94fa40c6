package adapter

// The encode and respond stages of the pipeline in response_stream mode.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/lwa-go/lwa/adapter/event"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// A stream reads the app's body into a buffer that starts small and doubles, up to streamBufMax,
// while reads fill it: an app that trickles (SSE, /drip) costs 32 KiB, one that sends in bulk gets
// bigger chunks, which cost less CPU per byte up to streamBufMax and no less beyond it
// (docs/performance.md, section "Stream buffer size"). Every stream's memory stays within
// streamBufMax.
const (
	streamBufMin = 32 << 10
	streamBufMax = 256 << 10
)

// streamBodyCloseWait bounds how long stream waits for the HTTP client to let go of the body after
// the Runtime API answered early (an error status before the body was sent).
const streamBodyCloseWait = time.Second

// respondStreamed is the encode and respond stages in response_stream mode: the prelude, 8 NUL
// bytes, then every chunk the app writes, flushed to Lambda as it arrives. An app failure mid-body
// becomes the Lambda-Runtime-Function-Error-Type/Body trailers, never text in the body.
func (a *Adapter) respondStreamed(ctx context.Context, log *slog.Logger, inv *lambdaapi.Invocation, resp *http.Response) error {
	defer resp.Body.Close()
	if a.isAppError(resp) {
		// The status is known before any byte is streamed, so the invocation can still fail as a
		// whole (SQS retries, DLQs), as in buffered mode.
		body, _ := io.ReadAll(io.LimitReader(resp.Body, errorStatusBodyMax))
		return a.errorStatus(resp.StatusCode, body)
	}
	prelude, err := event.StreamPrelude(resp.StatusCode, resp.Header)
	if err != nil {
		return failf(errTypeApp, "encode stream prelude: %w", err)
	}
	body := newStreamBody(ctx, prelude, resp.Body)
	// The stream must reach Lambda even after the app's deadline (deadline minus the margin) has
	// passed mid-body: the body then ends with the timeout in its trailers. A Runtime API that stops
	// reading cannot hold the loop past Lambda's own deadline.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if !inv.Deadline.IsZero() {
		cancel()
		rctx, cancel = context.WithDeadline(context.WithoutCancel(ctx), inv.Deadline.Add(time.Second))
	}
	defer cancel()
	serr := a.runtime.Stream(rctx, inv.RequestID, body, body.trailer)
	// If the Runtime API answered before the body ended, the HTTP client may still be reading it
	// in its own goroutine: closing the app's body ends that read, and the body's Close says the
	// client is done, so nothing reads the app's connection once this returns.
	resp.Body.Close()
	body.waitClosed(streamBodyCloseWait)
	if serr != nil {
		return fmt.Errorf("stream response: %w", serr)
	}
	if f := body.failure(); f != nil {
		log.Error("app failed mid-stream; reported in the response trailers", "requestId", inv.RequestID, "error", f)
		if ctx.Err() != nil {
			a.checkAppAfterTimeout(log, inv.RequestID)
		}
	}
	return nil
}

// streamBody is the request body of a streamed response: the prelude, then the app's body in the
// app's own pieces. The HTTP client writes each piece as one chunk and flushes it at once.
type streamBody struct {
	ctx     context.Context // the app request's: ended means the invocation deadline passed
	prelude []byte
	src     io.Reader
	// trailer is the request's Trailer map: both keys are declared before the body starts; the
	// values are set only on failure, before the body reports EOF, and the client writes them after.
	trailer http.Header

	mu       sync.Mutex
	err      error
	closed   chan struct{}
	closeOne sync.Once
}

func newStreamBody(ctx context.Context, prelude []byte, src io.Reader) *streamBody {
	return &streamBody{
		ctx:     ctx,
		prelude: prelude,
		src:     src,
		trailer: http.Header{lambdaapi.HeaderErrorType: nil, lambdaapi.HeaderErrorBody: nil},
		closed:  make(chan struct{}),
	}
}

// WriteTo is how the HTTP client reads the body (io.CopyBuffer prefers it): each Write to w is one
// chunk, flushed by the client before the next read from the app. Without it the client would read
// through its own 32 KiB buffer, which caps chunks there; with it a chunk is whatever one read from
// the app returns, up to streamBufMax.
func (b *streamBody) WriteTo(w io.Writer) (int64, error) {
	var total int64
	if len(b.prelude) > 0 {
		n, err := w.Write(b.prelude)
		total += int64(n)
		b.prelude = nil
		if err != nil {
			return total, err
		}
	}
	buf := make([]byte, streamBufMin)
	for {
		n, rerr := b.src.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if rerr != nil {
			b.end(rerr)
			return total, nil
		}
		if n == len(buf) && len(buf) < streamBufMax {
			buf = make([]byte, 2*len(buf))
		}
	}
}

// Read serves clients that do not use WriteTo; each read from the app is returned at once.
func (b *streamBody) Read(p []byte) (int, error) {
	if len(b.prelude) > 0 {
		n := copy(p, b.prelude)
		b.prelude = b.prelude[n:]
		return n, nil
	}
	if len(p) > streamBufMax {
		p = p[:streamBufMax]
	}
	n, err := b.src.Read(p)
	if err != nil {
		b.end(err)
		// Always a clean end, so the client sends the trailers that carry any failure.
		return n, io.EOF
	}
	return n, nil
}

// end records why the app's body ended: io.EOF is success; anything else sets the error trailers.
func (b *streamBody) end(err error) {
	if errors.Is(err, io.EOF) {
		return
	}
	errType := errTypeStream
	if b.ctx.Err() != nil {
		errType = errTypeAppTimeout
		err = fmt.Errorf("app response not complete before the invocation deadline (%s before it, for the adapter to report it): %w", deadlineMargin, err)
	} else {
		err = fmt.Errorf("app failed mid-body: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return
	}
	b.err = err
	// The body is the Runtime API's error document, as for /error, base64-encoded for the header.
	doc, _ := json.Marshal(lambdaapi.ErrorResponse{Message: err.Error(), Type: errType}) // two strings always marshal
	b.trailer.Set(lambdaapi.HeaderErrorType, errType)
	b.trailer.Set(lambdaapi.HeaderErrorBody, base64.StdEncoding.EncodeToString(doc))
}

// Close is called by the HTTP client when it is done with the body.
func (b *streamBody) Close() error {
	b.closeOne.Do(func() { close(b.closed) })
	return nil
}

func (b *streamBody) waitClosed(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-b.closed:
	case <-t.C:
	}
}

// failure is why the app's body failed, or nil.
func (b *streamBody) failure() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}
