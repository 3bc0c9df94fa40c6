package local

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/internal/lambdaemu"
)

// frontDoor is the trigger: it turns HTTP requests into invocations of the current environment,
// starting a new one when there is none (first request after a timeout or crash).
type frontDoor struct {
	o  *Options
	mu sync.Mutex
	// env is the current environment; guarded by mu, which is held while one starts so that
	// requests queue behind Init as they do in Lambda.
	env *environment
}

func (f *frontDoor) environment(ctx context.Context) (*environment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.env != nil && f.env.dead() == nil {
		return f.env, nil
	}
	if f.env != nil {
		f.o.Log.Info("starting a new execution environment", "previous", f.env.dead())
	}
	env, err := startEnvironment(ctx, f.o)
	if err != nil {
		return nil, err
	}
	f.env = env
	f.o.Log.Info("execution environment ready", "init", env.initDuration.Round(time.Millisecond))
	return env, nil
}

func (f *frontDoor) current() *environment {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.env
}

func (f *frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := f.o.Trigger
	reqLimit, _ := t.Limits()
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(reqLimit)+1))
	if err != nil {
		http.Error(w, "read request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > reqLimit {
		f.o.Log.Warn("request body over the trigger's limit", "trigger", t, "limit", reqLimit)
		writeAnswer(w, t.Failure(RequestTooLarge))
		return
	}
	in := Incoming{
		Method: r.Method, Target: r.RequestURI, Host: r.Host, Header: r.Header, Body: body,
		SourceIP: sourceIP(r.RemoteAddr), RequestID: lambdaemu.NewRequestID(), Time: time.Now(), Stage: f.o.Stage,
	}
	payload, err := t.Event(in)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	env, err := f.environment(r.Context())
	if err != nil {
		f.o.Log.Error("init failed", "error", err)
		writeAnswer(w, t.Failure(FunctionFailed))
		return
	}
	f.invoke(w, r.Context(), env, payload)
}

// invoke runs one invocation and writes the trigger's answer.
func (f *frontDoor) invoke(w http.ResponseWriter, ctx context.Context, env *environment, payload []byte) {
	t := f.o.Trigger
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(env.ctx, cancel)
	defer stop()
	select {
	case env.slots <- struct{}{}:
		defer func() { <-env.slots }()
	case <-ctx.Done():
		if env.dead() != nil {
			f.o.Log.Error("invocation failed: the environment ended", "cause", env.dead())
			writeAnswer(w, t.Failure(FunctionFailed))
		}
		return
	}
	id := lambdaemu.NewRequestID()
	fmt.Fprintf(f.o.Output, "START RequestId: %s Version: $LATEST\n", id)
	res, err := env.emu.Invoke(ctx, lambdaemu.Request{Payload: payload, RequestID: id})
	var ie *lambdaemu.InvokeError
	switch {
	case errors.As(err, &ie):
		f.o.Log.Warn("Lambda refused the invocation", "type", ie.Type, "message", ie.Message)
		writeAnswer(w, t.Failure(RequestTooLarge))
		return
	case err != nil && env.dead() != nil:
		f.o.Log.Error("invocation failed: the environment ended", "requestId", id, "cause", env.dead())
		writeAnswer(w, t.Failure(FunctionFailed))
		return
	case err != nil:
		return // the client went away before the function answered
	}
	cut := false
	if res.Streaming {
		cut = f.stream(w, res)
	} else {
		f.buffered(w, res)
	}
	// The answer is complete: send it before the REPORT line's bookkeeping (memory from /proc).
	_ = http.NewResponseController(w).Flush()
	o := res.Wait()
	fmt.Fprint(f.o.Output, reportLines(env, res, o))
	if o.TimedOut {
		env.kill(fmt.Errorf("invocation %s timed out", id))
	}
	if cut {
		// A stream that failed after its head ends without the last chunk, as Lambda's does:
		// the client sees a broken response rather than a complete one.
		panic(http.ErrAbortHandler)
	}
}

func (f *frontDoor) buffered(w http.ResponseWriter, res *lambdaemu.Result) {
	t := f.o.Trigger
	_, respLimit := t.Limits()
	b, _ := io.ReadAll(res.Body)
	switch {
	case res.FunctionError == lambdaemu.ErrTypeResponseTooLarge || len(b) > respLimit:
		f.o.Log.Warn("the function's answer is over the limit", "requestId", res.RequestID, "bytes", len(b), "limit", respLimit)
		writeAnswer(w, t.Failure(ResponseTooLarge))
	case res.FunctionError != "":
		f.o.Log.Warn("function error", "requestId", res.RequestID, "type", res.FunctionError, "payload", string(b))
		writeAnswer(w, t.Failure(FunctionFailed))
	default:
		writeAnswer(w, t.Answer(b))
	}
}

// stream passes a streamed answer on as it arrives: the prelude becomes the status and headers,
// then every chunk is flushed to the client at once. It reports whether the response must be cut
// (the stream failed after its head was sent).
func (f *frontDoor) stream(w http.ResponseWriter, res *lambdaemu.Result) bool {
	defer res.Body.Close()
	br := bufio.NewReaderSize(res.Body, 32<<10)
	a := Answer{Status: http.StatusOK, Header: http.Header{}}
	if res.Header.Get("Content-Type") == lambdaapi.StreamContentType {
		head, err := readPrelude(br)
		if err == nil {
			a, err = StreamHead(head)
		}
		if err != nil {
			f.o.Log.Warn("bad stream prelude", "requestId", res.RequestID, "error", err)
			writeAnswer(w, f.o.Trigger.Failure(Malformed))
			return false
		}
	} else if ct := res.Header.Get("Content-Type"); ct != "" {
		a.Header.Set("Content-Type", ct)
	}
	copyHeader(w.Header(), a.Header)
	w.WriteHeader(a.Status)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	buf := make([]byte, 32<<10)
	for {
		n, err := br.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return false // the client went away
			}
			_ = rc.Flush()
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				f.o.Log.Warn("stream ended early", "requestId", res.RequestID, "error", err)
				return true
			}
			if o := res.Wait(); o.ErrorType != "" {
				f.o.Log.Warn("stream failed", "requestId", res.RequestID, "type", o.ErrorType, "body", string(o.ErrorBody))
				return true
			}
			return false
		}
	}
}

// readPrelude reads up to the 8 NUL bytes that end the JSON prelude.
func readPrelude(br *bufio.Reader) ([]byte, error) {
	var head []byte
	zeros := 0
	for zeros < 8 {
		c, err := br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("stream prelude: %w", err)
		}
		if c == 0 {
			zeros++
			continue
		}
		if zeros > 0 {
			return nil, errors.New("stream prelude: fewer than 8 NUL bytes after the JSON")
		}
		head = append(head, c)
		if len(head) > 64<<10 {
			return nil, errors.New("stream prelude: over 64 KiB without the 8 NUL separator")
		}
	}
	return head, nil
}

// hopHeaders are set by the front door itself, whatever the function said.
var hopHeaders = []string{"Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive"}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		dst[http.CanonicalHeaderKey(k)] = append(dst[http.CanonicalHeaderKey(k)], vs...)
	}
	for _, h := range hopHeaders {
		dst.Del(h)
	}
}

func writeAnswer(w http.ResponseWriter, a Answer) {
	copyHeader(w.Header(), a.Header)
	w.Header().Set("Content-Length", strconv.Itoa(len(a.Body)))
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
}

func sourceIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}
