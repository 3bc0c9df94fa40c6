package lambdaemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Error types the emulator itself produces, as Lambda names them.
const (
	ErrTypeTimeout          = "Sandbox.Timedout"
	ErrTypeResponseTooLarge = "Function.ResponseSizeTooLarge"
	ErrTypeRequestTooLarge  = "RequestEntityTooLargeException"
)

// Request is one invocation as the Lambda Invoke API receives it.
type Request struct {
	Payload         []byte
	RequestID       string        // "" for a fresh one
	TraceID         string        // "" for a fresh one
	ClientContext   string        // JSON, as the runtime receives it
	CognitoIdentity string        // JSON
	TenantID        string        // tenant isolation mode
	Timeout         time.Duration // 0: the function's timeout
	// ExtraHeader is added to the invocation/next answer: for tests of how a runtime copes with
	// headers Lambda does not send today (huge, unknown).
	ExtraHeader map[string]string
}

// InvokeError is an invocation Lambda refused before any runtime saw it (the Invoke API's own error).
type InvokeError struct {
	Status  int
	Type    string
	Message string
}

func (e *InvokeError) Error() string { return fmt.Sprintf("invoke: %s: %s", e.Type, e.Message) }

// Result is the runtime's answer to one invocation, available as soon as the answer begins.
type Result struct {
	RequestID string
	// Header is the runtime's POST headers (Content-Type, Lambda-Runtime-Function-Response-Mode).
	Header    http.Header
	Streaming bool
	// FunctionError is the error type when the invocation failed as a whole: posted to /error,
	// timed out before any answer, or a buffered response over the limit. Body is then the error JSON.
	FunctionError string
	// Body is the payload as it arrives; for a stream, read it to the end, then call Wait.
	Body io.ReadCloser
	// Started is when the invocation began (Invoke), where Lambda's clock and deadline start.
	Started time.Time

	done    chan struct{}
	outcome Outcome
}

// Outcome is how an invocation ended, known once its body has ended.
type Outcome struct {
	// ErrorType is FunctionError, or for a stream the Lambda-Runtime-Function-Error-Type trailer, or
	// ErrTypeTimeout when the deadline passed mid-stream.
	ErrorType string
	ErrorBody []byte      // a stream's Lambda-Runtime-Function-Error-Body trailer, decoded
	Trailer   http.Header // a stream's trailers as the runtime declared and sent them
	TimedOut  bool        // the deadline passed: Lambda replaces the environment
	Size      int64       // payload bytes the runtime sent
	End       time.Time
}

// Wait blocks until the invocation has ended (for a stream: the runtime's body ended, the deadline
// passed, or the stream exceeded its limit).
func (r *Result) Wait() Outcome {
	<-r.done
	return r.outcome
}

// Done is closed when Wait would not block.
func (r *Result) Done() <-chan struct{} { return r.done }

type invState int

const (
	stateQueued invState = iota
	stateRunning
	stateAnswering // a stream is being received
	stateDone
)

type invocation struct {
	req      Request
	id       string
	start    time.Time
	deadline time.Time
	result   chan *Result

	mu     sync.Mutex
	state  invState
	res    *Result
	timer  *time.Timer
	stream *io.PipeWriter
}

// Invoke queues one invocation, waits until a runtime poller takes it and returns the runtime's
// answer as soon as it begins. It fails with an *InvokeError when Lambda would refuse the request,
// and with ctx's error when ctx ends first.
func (e *Emulator) Invoke(ctx context.Context, req Request) (*Result, error) {
	if len(req.Payload) > MaxRequestPayload {
		return nil, &InvokeError{Status: http.StatusRequestEntityTooLarge, Type: ErrTypeRequestTooLarge,
			Message: fmt.Sprintf("%d byte payload is too large for the RequestResponse invocation type (limit %d bytes)", len(req.Payload), MaxRequestPayload)}
	}
	if req.RequestID == "" {
		req.RequestID = newID()
	}
	if req.TraceID == "" {
		req.TraceID = NewTraceID(time.Now())
	}
	if req.Timeout <= 0 {
		req.Timeout = e.cfg.Timeout
	}
	// The deadline runs from now, as Lambda's does: a runtime that never asks for the invocation
	// times out like one that never answers it.
	now := time.Now()
	inv := &invocation{req: req, id: req.RequestID, result: make(chan *Result, 1), start: now, deadline: now.Add(req.Timeout)}
	inv.timer = time.AfterFunc(req.Timeout, func() { e.expire(inv) })
	select {
	case e.queue <- inv:
	case res := <-inv.result: // the deadline passed before any runtime asked
		return res, nil
	case <-ctx.Done():
		inv.abandon()
		return nil, fmt.Errorf("invoke %s: no runtime took the invocation: %w", inv.id, ctx.Err())
	}
	select {
	case res := <-inv.result:
		return res, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("invoke %s: no answer: %w", inv.id, ctx.Err())
	}
}

// abandon ends a queued invocation whose caller gave up.
func (inv *invocation) abandon() {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.state == stateQueued {
		inv.state = stateDone
		inv.timer.Stop()
	}
}

// dispatch records inv as running when a runtime took it; false if it already ended (its
// deadline passed while it waited), and the runtime must be given another.
func (e *Emulator) dispatch(inv *invocation) bool {
	inv.mu.Lock()
	if inv.state != stateQueued {
		inv.mu.Unlock()
		return false
	}
	inv.state = stateRunning
	inv.mu.Unlock()
	e.mu.Lock()
	e.inflight[inv.id] = inv
	e.mu.Unlock()
	e.publish(eventInvoke, invokeEvent{
		EventType: eventInvoke, DeadlineMs: inv.deadline.UnixMilli(), RequestID: inv.id,
		InvokedFunctionArn: e.arn,
		Tracing:            tracing{Type: "X-Amzn-Trace-Id", Value: inv.req.TraceID},
	})
	return true
}

// expire ends inv at its deadline, as Lambda does: an error answer if none began, the stream cut
// short otherwise.
func (e *Emulator) expire(inv *invocation) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	msg := fmt.Sprintf(`{"errorMessage":"RequestId: %s Error: Task timed out after %.2f seconds","errorType":"%s"}`,
		inv.id, inv.req.Timeout.Seconds(), ErrTypeTimeout)
	switch inv.state {
	case stateQueued, stateRunning:
		res := newResult(inv.id, inv.start, http.Header{"Content-Type": {"application/json"}}, false, []byte(msg))
		res.FunctionError = ErrTypeTimeout
		res.finish(Outcome{ErrorType: ErrTypeTimeout, TimedOut: true})
		inv.state = stateDone
		inv.result <- res
	case stateAnswering:
		inv.stream.CloseWithError(errTimedOut)
		inv.res.finish(Outcome{ErrorType: ErrTypeTimeout, TimedOut: true})
		inv.state = stateDone
	default:
		return
	}
	e.forget(inv.id)
}

var errTimedOut = errors.New("lambda: task timed out")

func (e *Emulator) forget(id string) {
	e.mu.Lock()
	delete(e.inflight, id)
	e.mu.Unlock()
}

func newResult(id string, started time.Time, h http.Header, streaming bool, body []byte) *Result {
	r := &Result{RequestID: id, Header: h, Streaming: streaming, Started: started, done: make(chan struct{})}
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.outcome.Size = int64(len(body))
	}
	return r
}

// finish records how the invocation ended and releases Wait. Call it once.
func (r *Result) finish(o Outcome) {
	if o.Size == 0 {
		o.Size = r.outcome.Size
	}
	if o.ErrorType == "" {
		o.ErrorType = r.FunctionError
	}
	o.End = time.Now()
	r.outcome = o
	close(r.done)
}

// claim moves inv from running to answering or done, stopping its deadline; false if the
// invocation already ended (timed out) or was answered.
func (inv *invocation) claim(next invState) bool {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.state != stateRunning {
		return false
	}
	inv.state = next
	if next == stateDone {
		inv.timer.Stop()
	}
	return true
}
