package adapter

// The invocation pipeline. Each runtime loop takes the next invocation and runs it through one
// function per stage:
//
//	next → decode → request → app (send) → encode → respond     buffered.go
//	                                      → respondStreamed      stream.go (response_stream mode)
//
// A stage's failure is an *invokeError, which handle reports to the Runtime API as the invocation's
// error; any other error is the Runtime API's own.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/event"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/adapter/readiness"
)

// deadlineMargin is how long before the invocation deadline the adapter gives up on the app, so it
// can still report a clear error before Lambda's own timeout.
const deadlineMargin = 100 * time.Millisecond

// loop is one runtime loop: next, then handle, until ctx ends or the Runtime API keeps failing.
func (a *Adapter) loop(ctx context.Context, id int) error {
	log := a.log
	if a.cfg.MaxConcurrency > 1 {
		log = log.With("loop", id)
	}
	for {
		inv, err := a.next(ctx, log)
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

// next waits for the next invocation, retrying a Runtime API that fails.
func (a *Adapter) next(ctx context.Context, log *slog.Logger) (*lambdaapi.Invocation, error) {
	var inv *lambdaapi.Invocation
	err := retry(ctx, startupRetries, func() error {
		var err error
		inv, err = a.runtime.Next(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("runtime API next failed; retrying", "error", err)
		}
		return err
	})
	return inv, err
}

// handle serves one invocation and reports its failure, if any, to the Runtime API.
func (a *Adapter) handle(ctx context.Context, log *slog.Logger, inv *lambdaapi.Invocation) {
	if !inv.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, inv.Deadline.Add(-deadlineMargin))
		defer cancel()
	}
	if err := a.invoke(ctx, log, inv); err != nil {
		a.report(ctx, log, inv, err)
	}
}

// invoke is the pipeline of one invocation, from its event to the answer Lambda gets.
func (a *Adapter) invoke(ctx context.Context, log *slog.Logger, inv *lambdaapi.Invocation) error {
	if err := a.awaitReady(ctx); err != nil {
		return err
	}
	ev, err := a.decode(ctx, log, inv)
	if err != nil {
		return err
	}
	req, err := a.request(ctx, log, inv, ev)
	if err != nil {
		return err
	}
	resp, err := a.send(ctx, req)
	if err != nil {
		return err
	}
	if a.streams(ev) {
		return a.respondStreamed(ctx, log, inv, resp)
	}
	payload, err := a.encode(ctx, ev, resp)
	if err != nil {
		return err
	}
	return a.respond(ctx, inv, payload)
}

// awaitReady waits for the app when Init finished before it was ready (async init).
func (a *Adapter) awaitReady(ctx context.Context) error {
	select {
	case <-a.ready:
	default:
		// Only when the app is not ready yet: select would pick at random were both ready, and a
		// deadline already past is the app request's to report.
		select {
		case <-a.ready:
		case <-ctx.Done():
			return failf(errTypeAppTimeout, "app not ready before the invocation deadline: %s", readiness.Target(a.cfg))
		}
	}
	if a.readyErr != nil {
		return &invokeError{errType: errTypeReadiness, err: a.readyErr}
	}
	return nil
}

// decode parses the invocation's payload: an HTTP event of one of the known triggers, or any other
// JSON, passed through.
func (a *Adapter) decode(ctx context.Context, log *slog.Logger, inv *lambdaapi.Invocation) (*event.Event, error) {
	ev, err := event.Decode(inv.Payload)
	if err != nil {
		return nil, &invokeError{errType: errTypeInvalidEvent, err: err}
	}
	if log.Enabled(ctx, slog.LevelDebug) {
		log.Debug("event", "requestId", inv.RequestID, "kind", ev.Kind.String())
	}
	return ev, nil
}

// streams reports whether the answer to ev is streamed. Non-HTTP events (SQS, S3...) have no HTTP
// integration prelude and are not streamed to a client: their result is the app's body, returned
// as in buffered mode.
func (a *Adapter) streams(ev *event.Event) bool {
	return a.cfg.InvokeMode == config.InvokeResponseStream && ev.Kind != event.KindPassThrough
}

// report posts a failed invocation's error to the Runtime API and, when the app timed out, checks
// whether it is hung.
func (a *Adapter) report(ctx context.Context, log *slog.Logger, inv *lambdaapi.Invocation, err error) {
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
