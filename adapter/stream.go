package adapter

import (
	"context"
	"encoding/base64"
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

// streamErrorType is the trailer error type for an app that fails mid-body, as AWS documents it.
const streamErrorType = "Runtime.StreamError"

// streamBufSize is the copy buffer: large enough for 1 GB/s, small enough to keep memory flat.
const streamBufSize = 64 << 10

// stream serves an invocation in response_stream mode: the prelude, 8 NUL bytes, then every chunk
// the app writes, flushed to Lambda as it arrives. An app failure mid-body becomes the
// Lambda-Runtime-Function-Error-Type/Body trailers, never text in the body.
func (a *Adapter) stream(ctx context.Context, log *slog.Logger, inv *lambdaapi.Invocation) error {
	ev, resp, err := a.prepare(ctx, log, inv)
	if err != nil {
		return err
	}
	if ev.Kind == event.KindPassThrough {
		// Non-HTTP events (SQS, S3...) have no HTTP integration prelude and are not streamed to a
		// client: their result is the app's body, returned as in buffered mode.
		return a.respondBuffered(ctx, inv, ev, resp)
	}
	defer resp.Body.Close()
	prelude, err := event.StreamPrelude(resp.StatusCode, resp.Header)
	if err != nil {
		return failf(errTypeApp, "encode stream prelude: %w", err)
	}
	trailer := http.Header{
		lambdaapi.HeaderErrorType: nil,
		lambdaapi.HeaderErrorBody: nil,
	}
	body := &streamBody{prelude: prelude, src: resp.Body, trailer: trailer, ctx: ctx}
	// The stream must reach Lambda even if the app's deadline passes mid-body; the body reader stops
	// at the app deadline and reports it in the trailers.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Until(inv.Deadline)+time.Second)
	if inv.Deadline.IsZero() {
		rctx, cancel = context.WithCancel(context.WithoutCancel(ctx))
	}
	defer cancel()
	if err := a.runtime.Stream(rctx, inv.RequestID, body, trailer); err != nil {
		return fmt.Errorf("stream response: %w", err)
	}
	if body.failure != nil {
		log.Error("app failed mid-stream", "requestId", inv.RequestID, "error", body.failure)
	}
	return nil
}

// streamBody is the request body of a streamed response: prelude first, then the app's body, read
// in the app's own chunks so each is forwarded (and flushed by the HTTP client) as soon as it arrives.
type streamBody struct {
	prelude []byte
	src     io.Reader
	trailer http.Header
	ctx     context.Context
	failure error
	once    sync.Once
}

func (b *streamBody) Read(p []byte) (int, error) {
	if len(b.prelude) > 0 {
		n := copy(p, b.prelude)
		b.prelude = b.prelude[n:]
		return n, nil
	}
	if len(p) > streamBufSize {
		p = p[:streamBufSize]
	}
	n, err := b.src.Read(p)
	if err == nil || errors.Is(err, io.EOF) {
		return n, err
	}
	b.once.Do(func() {
		if b.ctx.Err() != nil {
			err = fmt.Errorf("app response not complete before the invocation deadline: %w", err)
		}
		b.failure = fmt.Errorf("app failed mid-body: %w", err)
		b.trailer.Set(lambdaapi.HeaderErrorType, streamErrorType)
		b.trailer.Set(lambdaapi.HeaderErrorBody, base64.StdEncoding.EncodeToString([]byte(b.failure.Error())))
	})
	// End the body cleanly so the trailers are sent.
	return n, io.EOF
}
