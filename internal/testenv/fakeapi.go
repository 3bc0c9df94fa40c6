package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/lambdaemu"
)

// FakeAPI is the in-process Lambda Runtime and Extensions API for the adapter's tests: the
// lambdaemu emulator (AWS's documented contracts, Init sequencing, deadlines and payload limits)
// plus a record of exactly what the adapter sends (headers, every body chunk with its arrival time,
// trailers), for what RIE hides: incremental streaming, trailers, restore, many concurrent pollers.
// SnapStart is on (restore/next waits for Restore), streamed answers have no size cap, and
// invocations go to the runtime before extensions finished Init (tests drive loops directly).
type FakeAPI struct {
	Addr string // host:port, for AWS_LAMBDA_RUNTIME_API

	// Emulator is the emulator behind the fake.
	Emulator *lambdaemu.Emulator

	InitErrors    chan Posted // /runtime/init/error
	RestoreErrors chan Posted // /runtime/restore/error

	seq     atomic.Int64
	discard atomic.Bool
}

// Posted is a body posted to an error endpoint.
type Posted struct {
	Header http.Header
	Body   []byte
}

// Chunk is one piece of a response body as the fake read it.
type Chunk struct {
	At   time.Duration // since the response request arrived
	Data []byte
}

// Outcome is what the adapter sent for one invocation.
type Outcome struct {
	Error   bool // posted to /error (or ended by the deadline) rather than /response
	Header  http.Header
	Body    []byte  // after DiscardBodies, only the chunks that began in the first DiscardKeep bytes
	Chunks  []Chunk // after DiscardBodies, only those chunks
	Size    int64   // body bytes received
	Trailer http.Header
	Started time.Time // when the response request arrived
}

// NewFakeAPI starts the fake on 127.0.0.1; it stops when the test ends.
func NewFakeAPI(t testing.TB) *FakeAPI {
	f := &FakeAPI{
		InitErrors:    make(chan Posted, 8),
		RestoreErrors: make(chan Posted, 8),
	}
	f.Emulator = lambdaemu.New(lambdaemu.Config{FunctionName: "fake", Handler: "x", SnapStart: true, StreamLimit: -1,
		DispatchBeforeInit: true, OnError: f.sortError})
	srv := httptest.NewServer(f.Emulator)
	f.Addr = strings.TrimPrefix(srv.URL, "http://")
	t.Cleanup(srv.Close)
	return f
}

// sortError passes an error report to InitErrors or RestoreErrors before the poster's answer.
func (f *FakeAPI) sortError(r lambdaemu.ErrorReport) {
	ch := f.InitErrors
	if r.Endpoint == "runtime/restore/error" {
		ch = f.RestoreErrors
	}
	select {
	case ch <- Posted{Header: http.Header{"Lambda-Runtime-Function-Error-Type": {r.Type}}, Body: r.Body}:
	default:
	}
}

// Invoke queues one invocation and waits for the adapter's outcome. headers are extra Runtime API
// headers (e.g. Lambda-Runtime-Aws-Tenant-Id; unknown ones are sent as they are).
func (f *FakeAPI) Invoke(ctx context.Context, payload []byte, timeout time.Duration, headers map[string]string) (*Outcome, error) {
	req := lambdaemu.Request{Payload: payload, RequestID: "req-" + strconv.FormatInt(f.seq.Add(1), 10), Timeout: timeout}
	for k, v := range headers {
		switch http.CanonicalHeaderKey(k) {
		case "Lambda-Runtime-Aws-Tenant-Id":
			req.TenantID = v
		case "Lambda-Runtime-Client-Context":
			req.ClientContext = v
		case "Lambda-Runtime-Cognito-Identity":
			req.CognitoIdentity = v
		case "Lambda-Runtime-Trace-Id":
			req.TraceID = v
		default:
			if req.ExtraHeader == nil {
				req.ExtraHeader = map[string]string{}
			}
			req.ExtraHeader[k] = v
		}
	}
	res, err := f.Emulator.Invoke(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("fake API: %w", err)
	}
	o := &Outcome{Error: res.FunctionError != "", Header: res.Header, Started: time.Now()}
	f.read(o, res.Body)
	end := res.Wait()
	if o.Trailer == nil {
		o.Trailer = end.Trailer
	}
	return o, nil
}

// read records the body as it arrives, chunk by chunk.
func (f *FakeAPI) read(o *Outcome, body io.ReadCloser) {
	defer body.Close()
	buf := make([]byte, 256<<10)
	discard := f.discard.Load()
	for {
		n, err := body.Read(buf)
		if n > 0 && (!discard || o.Size < DiscardKeep) {
			data := append([]byte(nil), buf[:n]...)
			o.Chunks = append(o.Chunks, Chunk{At: time.Since(o.Started), Data: data})
			o.Body = append(o.Body, data...)
		}
		o.Size += int64(n)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				o.Trailer = http.Header{"X-Fake-Read-Error": {err.Error()}}
			}
			return
		}
	}
}

// DiscardKeep is how much of each body the fake keeps after DiscardBodies.
const DiscardKeep = 64 << 10

// DiscardBodies makes the fake count body bytes instead of keeping them (all but the first
// DiscardKeep), so streams of any size can be received with flat memory, as fast as loopback allows.
func (f *FakeAPI) DiscardBodies() { f.discard.Store(true) }

// Shutdown delivers a SHUTDOWN event to the registered extensions.
func (f *FakeAPI) Shutdown(deadline time.Time) {
	f.Emulator.Shutdown(lambdaemu.ShutdownSpindown, deadline)
}

// Restore lets a pending /runtime/restore/next return, as after a SnapStart restore.
func (f *FakeAPI) Restore() { f.Emulator.Restore() }

// RestoreCalls is how many times /runtime/restore/next was called.
func (f *FakeAPI) RestoreCalls() int { return f.Emulator.RestoreCalls() }

// Registered reports how many extensions registered.
func (f *FakeAPI) Registered() int { return f.Emulator.Registered() }

// NextPolls is how many /runtime/invocation/next calls arrived so far.
func (f *FakeAPI) NextPolls() int { return f.Emulator.NextPolls() }

// String summarises the outcome for test failure messages.
func (o *Outcome) String() string {
	return fmt.Sprintf("error=%v header=%v body=%q trailer=%v chunks=%d", o.Error, o.Header, truncateForLog(o.Body), o.Trailer, len(o.Chunks))
}

func truncateForLog(b []byte) string {
	if len(b) > 512 {
		return string(b[:512]) + "…"
	}
	return string(b)
}
