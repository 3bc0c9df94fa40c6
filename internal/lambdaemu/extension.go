package lambdaemu

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"time"
)

const (
	extensionPrefix = "/2020-01-01/extension"

	headerExtensionName       = "Lambda-Extension-Name"
	headerExtensionIdentifier = "Lambda-Extension-Identifier"
	headerExtensionEventID    = "Lambda-Extension-Event-Identifier"
	headerExtensionErrorType  = "Lambda-Extension-Function-Error-Type"
	headerAcceptFeature       = "Lambda-Extension-Accept-Feature"

	eventInvoke   = "INVOKE"
	eventShutdown = "SHUTDOWN"
)

// Shutdown reasons of the SHUTDOWN event.
const (
	ShutdownSpindown = "spindown"
	ShutdownTimeout  = "timeout"
	ShutdownFailure  = "failure"
)

type extension struct {
	id, name   string
	events     []string
	calledNext bool
	queue      chan []byte // events waiting for the extension's next event/next
}

func (x *extension) subscribed(ev string) bool { return slices.Contains(x.events, ev) }

// register implements POST /extension/register: Lambda-Extension-Name and {"events":[...]} in,
// Lambda-Extension-Identifier and the function's identity out. Registration is only open during Init.
func (e *Emulator) register(w http.ResponseWriter, r *http.Request) {
	name := r.Header.Get(headerExtensionName)
	var body struct {
		Events []string `json:"events"`
	}
	if name == "" {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "missing "+headerExtensionName+" header")
		return
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "decode registration body: "+err.Error())
		return
	}
	for _, ev := range body.Events {
		if ev != eventInvoke && ev != eventShutdown {
			writeError(w, http.StatusBadRequest, "InvalidEventType", "unknown event type "+ev+": want INVOKE or SHUTDOWN")
			return
		}
	}
	e.mu.Lock()
	if e.initCompleted() {
		e.mu.Unlock()
		writeError(w, http.StatusForbidden, "Extension.InvalidStateTransition", "extensions can only register during Init")
		return
	}
	x := &extension{id: newID(), name: name, events: body.Events, queue: make(chan []byte, 16)}
	e.exts[x.id] = x
	e.mu.Unlock()

	w.Header().Set(headerExtensionIdentifier, x.id)
	w.Header().Set("Content-Type", "application/json")
	resp := map[string]string{
		"functionName":    e.cfg.FunctionName,
		"functionVersion": e.cfg.FunctionVersion,
		"handler":         e.cfg.Handler,
	}
	if r.Header.Get(headerAcceptFeature) == "accountId" {
		resp["accountId"] = e.cfg.AccountID
	}
	_ = json.NewEncoder(w).Encode(resp)
}

// eventNext implements GET /extension/event/next: it blocks until the next INVOKE or SHUTDOWN event
// the extension subscribed to. The first call ends the extension's Init.
func (e *Emulator) eventNext(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	x := e.exts[r.Header.Get(headerExtensionIdentifier)]
	if x == nil {
		e.mu.Unlock()
		writeError(w, http.StatusForbidden, "Extension.UnknownExtensionIdentifier", "missing or unknown "+headerExtensionIdentifier)
		return
	}
	x.calledNext = true
	e.maybeCompleteInit()
	e.mu.Unlock()

	select {
	case ev := <-x.queue:
		w.Header().Set(headerExtensionEventID, newID())
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(ev)
	case <-r.Context().Done():
	}
}

// publish queues an event for every extension subscribed to its type.
func (e *Emulator) publish(eventType string, ev any) {
	b, err := json.Marshal(ev)
	if err != nil {
		return // the event types below always marshal
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, x := range e.exts {
		if x.subscribed(eventType) {
			select {
			case x.queue <- b:
			default: // an extension that stopped reading its events must not block the function
			}
		}
	}
}

type tracing struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type invokeEvent struct {
	EventType          string  `json:"eventType"`
	DeadlineMs         int64   `json:"deadlineMs"`
	RequestID          string  `json:"requestId"`
	InvokedFunctionArn string  `json:"invokedFunctionArn"`
	Tracing            tracing `json:"tracing"`
}

type shutdownEvent struct {
	EventType      string `json:"eventType"`
	ShutdownReason string `json:"shutdownReason"`
	DeadlineMs     int64  `json:"deadlineMs"`
}

// Shutdown sends SHUTDOWN (reason: ShutdownSpindown, ShutdownTimeout or ShutdownFailure) to every
// extension subscribed to it. Lambda gives extensions until deadline to exit.
func (e *Emulator) Shutdown(reason string, deadline time.Time) {
	e.publish(eventShutdown, shutdownEvent{EventType: eventShutdown, ShutdownReason: reason, DeadlineMs: deadline.UnixMilli()})
}

// ShutdownSubscribers is how many registered extensions asked for SHUTDOWN; Lambda SIGKILLs the others.
func (e *Emulator) ShutdownSubscribers() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, x := range e.exts {
		if x.subscribed(eventShutdown) {
			n++
		}
	}
	return n
}
