package testenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// FakeAPI is a small in-process Lambda Runtime and Extensions API. It records exactly what the adapter
// sends (headers, every body chunk with its arrival time, trailers), for what RIE hides: incremental
// streaming, trailers, restore, many concurrent pollers.
type FakeAPI struct {
	Addr string // host:port, for AWS_LAMBDA_RUNTIME_API

	srv     *httptest.Server
	pending chan *pendingInvoke
	mu      sync.Mutex
	inFly   map[string]*pendingInvoke
	seq     atomic.Int64

	InitErrors    chan Posted // /runtime/init/error
	RestoreErrors chan Posted // /runtime/restore/error
	restore       chan struct{}
	restoreCalls  atomic.Int32
	events        chan string // extension events to deliver (JSON)
	registered    atomic.Int32
	nextPolls     atomic.Int32
	discard       atomic.Bool
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
	Error   bool // posted to /error rather than /response
	Header  http.Header
	Body    []byte  // after DiscardBodies, only the chunks that began in the first DiscardKeep bytes
	Chunks  []Chunk // after DiscardBodies, only those chunks
	Size    int64   // body bytes received
	Trailer http.Header
	Started time.Time // when the response request arrived
}

type pendingInvoke struct {
	id       string
	payload  []byte
	deadline time.Time
	header   map[string]string
	done     chan *Outcome
}

// NewFakeAPI starts the fake on 127.0.0.1; it stops when the test ends.
func NewFakeAPI(t testing.TB) *FakeAPI {
	f := &FakeAPI{
		pending:       make(chan *pendingInvoke),
		inFly:         map[string]*pendingInvoke{},
		InitErrors:    make(chan Posted, 8),
		RestoreErrors: make(chan Posted, 8),
		restore:       make(chan struct{}),
		events:        make(chan string, 8),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", f.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", f.result(false))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", f.result(true))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", f.posted(f.InitErrors))
	mux.HandleFunc("POST /2018-06-01/runtime/restore/error", f.posted(f.RestoreErrors))
	mux.HandleFunc("GET /2018-06-01/runtime/restore/next", f.restoreNext)
	mux.HandleFunc("POST /2020-01-01/extension/register", f.register)
	mux.HandleFunc("GET /2020-01-01/extension/event/next", f.eventNext)
	f.srv = httptest.NewServer(mux)
	f.Addr = strings.TrimPrefix(f.srv.URL, "http://")
	t.Cleanup(f.srv.Close)
	return f
}

// Invoke queues one invocation and waits for the adapter's outcome. headers are extra Runtime API
// headers (e.g. Lambda-Runtime-Aws-Tenant-Id).
func (f *FakeAPI) Invoke(ctx context.Context, payload []byte, timeout time.Duration, headers map[string]string) (*Outcome, error) {
	p := &pendingInvoke{
		id:       "req-" + strconv.FormatInt(f.seq.Add(1), 10),
		payload:  payload,
		deadline: time.Now().Add(timeout),
		header:   headers,
		done:     make(chan *Outcome, 1),
	}
	f.mu.Lock()
	f.inFly[p.id] = p
	f.mu.Unlock()
	select {
	case f.pending <- p:
	case <-ctx.Done():
		return nil, fmt.Errorf("no poller took the invocation: %w", ctx.Err())
	}
	select {
	case o := <-p.done:
		return o, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("no outcome for %s: %w", p.id, ctx.Err())
	}
}

// DiscardKeep is how much of each body the fake keeps after DiscardBodies.
const DiscardKeep = 64 << 10

// DiscardBodies makes the fake count body bytes instead of keeping them (all but the first
// DiscardKeep), so streams of any size can be received with flat memory, as fast as loopback allows.
func (f *FakeAPI) DiscardBodies() { f.discard.Store(true) }

// Shutdown delivers a SHUTDOWN event to the registered extension.
func (f *FakeAPI) Shutdown(deadline time.Time) {
	f.events <- fmt.Sprintf(`{"eventType":"SHUTDOWN","deadlineMs":%d,"shutdownReason":"spindown"}`, deadline.UnixMilli())
}

// Restore lets a pending /runtime/restore/next return, as after a SnapStart restore.
func (f *FakeAPI) Restore() { close(f.restore) }

// RestoreCalls is how many times /runtime/restore/next was called.
func (f *FakeAPI) RestoreCalls() int { return int(f.restoreCalls.Load()) }

// Registered reports how many extensions registered.
func (f *FakeAPI) Registered() int { return int(f.registered.Load()) }

// NextPolls is how many /runtime/invocation/next calls arrived so far.
func (f *FakeAPI) NextPolls() int { return int(f.nextPolls.Load()) }

func (f *FakeAPI) next(w http.ResponseWriter, r *http.Request) {
	f.nextPolls.Add(1)
	select {
	case p := <-f.pending:
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", p.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(p.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:fake")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-5e1b4151-5ac6c58f5b5dbd6a5f5d0e1c;Parent=1;Sampled=1")
		for k, v := range p.header {
			h.Set(k, v)
		}
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(p.payload)
	case <-r.Context().Done():
	}
}

func (f *FakeAPI) result(isError bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o := &Outcome{Error: isError, Header: r.Header.Clone(), Started: time.Now()}
		buf := make([]byte, 256<<10)
		discard := f.discard.Load()
		for {
			n, err := r.Body.Read(buf)
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
				break
			}
		}
		if o.Trailer == nil {
			o.Trailer = r.Trailer.Clone()
		}
		f.mu.Lock()
		p := f.inFly[r.PathValue("id")]
		delete(f.inFly, r.PathValue("id"))
		f.mu.Unlock()
		if p == nil {
			http.Error(w, `{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
			return
		}
		p.done <- o
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
	}
}

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

func (f *FakeAPI) posted(ch chan Posted) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case ch <- Posted{Header: r.Header.Clone(), Body: b}:
		default:
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
	}
}

func (f *FakeAPI) restoreNext(w http.ResponseWriter, r *http.Request) {
	f.restoreCalls.Add(1)
	select {
	case <-f.restore:
		w.WriteHeader(http.StatusOK)
	case <-r.Context().Done():
	}
}

func (f *FakeAPI) register(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Events []string `json:"events"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Header.Get("Lambda-Extension-Name") == "" {
		http.Error(w, "bad registration", http.StatusBadRequest)
		return
	}
	f.registered.Add(1)
	w.Header().Set("Lambda-Extension-Identifier", "ext-"+strconv.Itoa(int(f.registered.Load())))
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"functionName":"fake","functionVersion":"$LATEST","handler":"x"}`)
}

func (f *FakeAPI) eventNext(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Lambda-Extension-Identifier") == "" {
		http.Error(w, "missing identifier", http.StatusForbidden)
		return
	}
	select {
	case ev := <-f.events:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, ev)
	case <-r.Context().Done():
	}
}
