// Package lambdaemu is an in-process emulator of the two Lambda APIs a function's processes call:
// the Runtime API (/2018-06-01/runtime: invocation next, response — buffered or streamed —, error,
// init/error, restore/next, restore/error) and the Extensions API (/2020-01-01/extension: register,
// event/next with INVOKE and SHUTDOWN, init/error, exit/error).
//
// It follows AWS's documented contracts (Lambda developer guide: "Using the Lambda runtime API",
// "Using the Lambda Extensions API", "Response streaming with the runtime API"), including Lambda's
// Init sequencing: extensions register first; Init completes when the runtime has asked for its
// first invocation (or, with SnapStart, for restore/next) and every registered extension has called
// event/next. Invocations queue until a runtime poller takes them; each has a deadline, and the
// 6 MB payload limits apply. Where Lambda's behaviour is not documented, docs/local.md says what
// this package does instead.
package lambdaemu

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Payload limits of synchronous invocations (Lambda quotas, "6 MB each way"), to the byte as
// Lambda's own errors state them: a request up to 6291456 bytes, a buffered response up to 6291556.
// A streamed response may be larger: 20 MB by default (Config.StreamLimit).
const (
	MaxRequestPayload        = 6291456
	MaxResponsePayload       = 6291556
	MaxStreamedResponseBytes = 20 * 1024 * 1024
)

// Config describes the function the emulator stands in for.
type Config struct {
	FunctionName    string        // default "function"
	FunctionVersion string        // default "$LATEST"
	Handler         string        // returned to extensions at registration
	AccountID       string        // default "123456789012"
	Region          string        // default "us-east-1"
	Timeout         time.Duration // per invocation; default 3 s, as Lambda's
	// Extensions is how many extensions Init waits to see registered before it can complete (Lambda
	// knows them from /opt/extensions). Extensions that register beyond it are waited for too.
	Extensions int
	// SnapStart makes restore/next the runtime's end of Init; it returns once Restore is called.
	SnapStart bool
	// DispatchBeforeInit hands invocations to the runtime's invocation/next even before every
	// registered extension has called event/next: not Lambda's order, for tests that drive a
	// runtime's loops directly, without its extension lifecycle. InitDone still reports Lambda's.
	DispatchBeforeInit bool
	// OnError, when set, receives each error report before the poster gets its answer, instead of
	// the Errors channel.
	OnError func(ErrorReport)
	// StreamLimit caps a streamed response: 0 for MaxStreamedResponseBytes, negative for no cap
	// (throughput tests that stream gigabytes).
	StreamLimit int64
}

func (c Config) withDefaults() Config {
	if c.FunctionName == "" {
		c.FunctionName = "function"
	}
	if c.FunctionVersion == "" {
		c.FunctionVersion = "$LATEST"
	}
	if c.AccountID == "" {
		c.AccountID = "123456789012"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Timeout <= 0 {
		c.Timeout = 3 * time.Second
	}
	return c
}

// FunctionARN is the ARN Lambda would pass as Lambda-Runtime-Invoked-Function-Arn.
func (c Config) FunctionARN() string {
	c = c.withDefaults()
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", c.Region, c.AccountID, c.FunctionName)
}

// ErrorReport is what a process posted to an error endpoint (init/error, restore/error, an
// extension's init/error or exit/error).
type ErrorReport struct {
	Endpoint string // e.g. "runtime/init/error"
	Type     string // the Lambda-Runtime-Function-Error-Type (or extension) header
	Body     []byte // usually {"errorMessage":...,"errorType":...}
}

// Emulator serves both APIs. Create it with New and serve it with any http.Server.
type Emulator struct {
	cfg Config
	arn string // cfg.FunctionARN(), the same for every invocation
	mux *http.ServeMux

	mu            sync.Mutex
	exts          map[string]*extension
	runtimeReady  bool // first invocation/next (or restore/next with SnapStart)
	initDone      chan struct{}
	initDoneClose sync.Once
	inflight      map[string]*invocation

	queue     chan *invocation
	errors    chan ErrorReport
	restore   chan struct{}
	restoreMu sync.Once

	nextPolls    atomic.Int64
	restoreCalls atomic.Int64
}

// New returns an emulator for cfg.
func New(cfg Config) *Emulator {
	e := &Emulator{
		cfg:      cfg.withDefaults(),
		exts:     map[string]*extension{},
		initDone: make(chan struct{}),
		inflight: map[string]*invocation{},
		queue:    make(chan *invocation),
		errors:   make(chan ErrorReport, 16),
		restore:  make(chan struct{}),
	}
	e.arn = e.cfg.FunctionARN()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimePrefix+"/invocation/next", e.next)
	mux.HandleFunc("POST "+runtimePrefix+"/invocation/{id}/response", e.response)
	mux.HandleFunc("POST "+runtimePrefix+"/invocation/{id}/error", e.invocationError)
	mux.HandleFunc("POST "+runtimePrefix+"/init/error", e.reportError("runtime/init/error"))
	mux.HandleFunc("GET "+runtimePrefix+"/restore/next", e.restoreNext)
	mux.HandleFunc("POST "+runtimePrefix+"/restore/error", e.reportError("runtime/restore/error"))
	mux.HandleFunc("POST "+extensionPrefix+"/register", e.register)
	mux.HandleFunc("GET "+extensionPrefix+"/event/next", e.eventNext)
	mux.HandleFunc("POST "+extensionPrefix+"/init/error", e.reportError("extension/init/error"))
	mux.HandleFunc("POST "+extensionPrefix+"/exit/error", e.reportError("extension/exit/error"))
	mux.HandleFunc("/", e.notFound)
	e.mux = mux
	return e
}

// Config is the emulator's configuration with defaults applied.
func (e *Emulator) Config() Config { return e.cfg }

// ServeHTTP serves the Runtime and Extensions APIs.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.mux.ServeHTTP(w, r) }

// InitDone is closed when Init has completed as Lambda completes it.
func (e *Emulator) InitDone() <-chan struct{} { return e.initDone }

// Errors delivers every report posted to an error endpoint, in order (buffered; reports beyond
// the buffer are dropped rather than blocking the poster).
func (e *Emulator) Errors() <-chan ErrorReport { return e.errors }

// Restore lets a pending (or the next) restore/next return, as after a SnapStart restore.
func (e *Emulator) Restore() { e.restoreMu.Do(func() { close(e.restore) }) }

// RestoreCalls is how many times restore/next was called.
func (e *Emulator) RestoreCalls() int { return int(e.restoreCalls.Load()) }

// NextPolls is how many invocation/next calls arrived so far.
func (e *Emulator) NextPolls() int { return int(e.nextPolls.Load()) }

// Registered is how many extensions registered.
func (e *Emulator) Registered() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.exts)
}

// maybeCompleteInit closes initDone once the runtime is ready and every extension expected or
// registered has called event/next. e.mu must be held.
func (e *Emulator) maybeCompleteInit() {
	if !e.runtimeReady || len(e.exts) < e.cfg.Extensions {
		return
	}
	for _, x := range e.exts {
		if !x.calledNext {
			return
		}
	}
	e.initDoneClose.Do(func() { close(e.initDone) })
}

func (e *Emulator) initCompleted() bool {
	select {
	case <-e.initDone:
		return true
	default:
		return false
	}
}

// newID returns a random UUID (version 4), the form of Lambda's request and extension ids.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// NewTraceID returns an X-Ray trace header value, the form Lambda passes in Lambda-Runtime-Trace-Id.
func NewTraceID(now time.Time) string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", now.Unix(), h[:24], h[24:40])
}

// NewRequestID returns a fresh request id in Lambda's form (a UUID).
func NewRequestID() string { return newID() }
