package lambdaemu

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

const (
	runtimePrefix = "/2018-06-01/runtime"

	headerRequestID       = "Lambda-Runtime-Aws-Request-Id"
	headerDeadlineMs      = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN     = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID         = "Lambda-Runtime-Trace-Id"
	headerClientContext   = "Lambda-Runtime-Client-Context"
	headerCognitoIdentity = "Lambda-Runtime-Cognito-Identity"
	headerTenantID        = "Lambda-Runtime-Aws-Tenant-Id"
	headerErrorType       = "Lambda-Runtime-Function-Error-Type"
	headerErrorBody       = "Lambda-Runtime-Function-Error-Body"
	headerResponseMode    = "Lambda-Runtime-Function-Response-Mode"
)

// next implements GET /runtime/invocation/next. The first call is the runtime's end of Init; an
// invocation is handed out only once Init has completed.
func (e *Emulator) next(w http.ResponseWriter, r *http.Request) {
	e.nextPolls.Add(1)
	e.mu.Lock()
	e.runtimeReady = true
	e.maybeCompleteInit()
	e.mu.Unlock()
	if !e.cfg.DispatchBeforeInit {
		select {
		case <-e.initDone:
		case <-r.Context().Done():
			return
		}
	}
	var inv *invocation
	for inv == nil {
		select {
		case inv = <-e.queue:
		case <-r.Context().Done():
			return
		}
		if !e.dispatch(inv) {
			inv = nil
		}
	}
	h := w.Header()
	h.Set(headerRequestID, inv.id)
	h.Set(headerDeadlineMs, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set(headerFunctionARN, e.arn)
	h.Set(headerTraceID, inv.req.TraceID)
	setIf(h, headerClientContext, inv.req.ClientContext)
	setIf(h, headerCognitoIdentity, inv.req.CognitoIdentity)
	setIf(h, headerTenantID, inv.req.TenantID)
	for k, v := range inv.req.ExtraHeader {
		h.Set(k, v)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(inv.req.Payload)))
	_, _ = w.Write(inv.req.Payload)
}

func setIf(h http.Header, k, v string) {
	if v != "" {
		h.Set(k, v)
	}
}

// lookup finds the running invocation a POST names, answering the runtime itself when there is none.
func (e *Emulator) lookup(w http.ResponseWriter, r *http.Request) *invocation {
	e.mu.Lock()
	inv := e.inflight[r.PathValue("id")]
	e.mu.Unlock()
	if inv == nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestID", "invalid request ID "+r.PathValue("id"))
	}
	return inv
}

func invalidTransition(w http.ResponseWriter, id string) {
	writeError(w, http.StatusForbidden, "InvalidStateTransition",
		"invocation "+id+" already has an answer (or timed out): state transition is not allowed")
}

// response implements POST /runtime/invocation/{id}/response, buffered or (with
// Lambda-Runtime-Function-Response-Mode: streaming) streamed with error trailers.
func (e *Emulator) response(w http.ResponseWriter, r *http.Request) {
	inv := e.lookup(w, r)
	if inv == nil {
		return
	}
	if r.Header.Get(headerResponseMode) == "streaming" {
		e.streamResponse(w, r, inv)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxResponsePayload+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "read response body: "+err.Error())
		return
	}
	if !inv.claim(stateDone) {
		invalidTransition(w, inv.id)
		return
	}
	defer e.forget(inv.id)
	if len(body) > MaxResponsePayload {
		msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponsePayload)
		res := newResult(inv.id, inv.start, http.Header{"Content-Type": {"application/json"}}, false, errorJSON(ErrTypeResponseTooLarge, msg))
		res.FunctionError = ErrTypeResponseTooLarge
		res.finish(Outcome{})
		inv.result <- res
		writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", msg)
		return
	}
	res := newResult(inv.id, inv.start, r.Header.Clone(), false, body)
	res.finish(Outcome{})
	inv.result <- res
	accepted(w)
}

// streamResponse passes the runtime's chunks on as they arrive, then reads the error trailers.
func (e *Emulator) streamResponse(w http.ResponseWriter, r *http.Request, inv *invocation) {
	if !inv.claim(stateAnswering) {
		invalidTransition(w, inv.id)
		return
	}
	pr, pw := io.Pipe()
	res := newResult(inv.id, inv.start, r.Header.Clone(), true, nil)
	res.Body = pr
	inv.mu.Lock()
	inv.res, inv.stream = res, pw
	inv.mu.Unlock()
	inv.result <- res

	size, readErr, tooLarge := copyStream(pw, r.Body, e.cfg.streamLimit())
	inv.mu.Lock()
	defer inv.mu.Unlock()
	defer e.forget(inv.id)
	if inv.state == stateDone { // the deadline passed first and ended the result
		writeError(w, http.StatusForbidden, ErrTypeTimeout, "invocation "+inv.id+" timed out")
		return
	}
	inv.state = stateDone
	inv.timer.Stop()
	o := Outcome{Size: size, Trailer: r.Trailer.Clone()}
	switch {
	case tooLarge:
		o.ErrorType = ErrTypeResponseTooLarge
		pw.CloseWithError(errors.New("lambda: streamed response over the size limit"))
	case readErr != nil:
		o.ErrorType = "Runtime.StreamError"
		pw.CloseWithError(readErr)
	default:
		o.ErrorType = r.Trailer.Get(headerErrorType)
		if b := r.Trailer.Get(headerErrorBody); b != "" {
			o.ErrorBody, _ = base64.StdEncoding.DecodeString(b)
		}
		pw.Close()
	}
	res.finish(o)
	if tooLarge {
		writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("streamed response exceeded the maximum of %d bytes", e.cfg.streamLimit()))
		return
	}
	accepted(w)
}

// copyStream copies each chunk to pw as it arrives. A reader that went away no longer gets data,
// but the runtime's body is still drained, as Lambda keeps accepting it.
func copyStream(pw *io.PipeWriter, body io.Reader, limit int64) (size int64, readErr error, tooLarge bool) {
	// As large as the biggest chunk a runtime sends in one go: each Read returns what has arrived,
	// so a big buffer costs no latency, and fewer hand-offs through the pipe raise throughput.
	buf := make([]byte, 256<<10)
	writeOK := true
	for {
		n, err := body.Read(buf)
		if n > 0 {
			size += int64(n)
			if limit >= 0 && size > limit {
				return size, nil, true
			}
			if writeOK {
				if _, werr := pw.Write(buf[:n]); werr != nil {
					writeOK = false
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return size, nil, false
		}
		if err != nil {
			return size, err, false
		}
	}
}

// invocationError implements POST /runtime/invocation/{id}/error.
func (e *Emulator) invocationError(w http.ResponseWriter, r *http.Request) {
	inv := e.lookup(w, r)
	if inv == nil {
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxResponsePayload))
	if !inv.claim(stateDone) {
		invalidTransition(w, inv.id)
		return
	}
	defer e.forget(inv.id)
	errType := r.Header.Get(headerErrorType)
	if errType == "" {
		errType = "Unhandled"
	}
	if !json.Valid(body) {
		body = errorJSON(errType, string(body))
	}
	res := newResult(inv.id, inv.start, r.Header.Clone(), false, body)
	res.FunctionError = errType
	res.finish(Outcome{})
	inv.result <- res
	accepted(w)
}

// reportError implements the Init-, restore- and exit-time error endpoints: the report is queued
// on Errors; Lambda then waits for the process to exit.
func (e *Emulator) reportError(endpoint string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		typ := r.Header.Get(headerErrorType)
		if typ == "" {
			typ = r.Header.Get(headerExtensionErrorType)
		}
		report := ErrorReport{Endpoint: endpoint, Type: typ, Body: body}
		if e.cfg.OnError != nil {
			e.cfg.OnError(report)
			accepted(w)
			return
		}
		select {
		case e.errors <- report:
		default:
		}
		accepted(w)
	}
}

// restoreNext implements GET /runtime/restore/next: with SnapStart it is the runtime's end of Init,
// and it returns once the environment is restored (Restore).
func (e *Emulator) restoreNext(w http.ResponseWriter, r *http.Request) {
	e.restoreCalls.Add(1)
	if !e.cfg.SnapStart {
		writeError(w, http.StatusForbidden, "InvalidStateTransition", "restore/next is only for functions with SnapStart")
		return
	}
	e.mu.Lock()
	e.runtimeReady = true
	e.maybeCompleteInit()
	e.mu.Unlock()
	select {
	case <-e.restore:
		w.WriteHeader(http.StatusOK)
	case <-r.Context().Done():
	}
}

func (e *Emulator) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "NotFound", r.Method+" "+r.URL.Path+" is not a Lambda Runtime or Extensions API endpoint")
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func errorJSON(typ, msg string) []byte {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{msg, typ})
	return bytes.TrimSpace(b.Bytes())
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(errorJSON(typ, msg))
}

func (c Config) streamLimit() int64 {
	if c.StreamLimit == 0 {
		return MaxStreamedResponseBytes
	}
	return c.StreamLimit
}
