package lambdaemu

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// The tests drive the emulator with the adapter's own Lambda API clients, so they check the
// contract both sides rely on.

func start(t *testing.T, cfg Config) (*Emulator, *lambdaapi.RuntimeClient, *lambdaapi.ExtensionClient) {
	e, rt, ext, _ := startAt(t, cfg)
	return e, rt, ext
}

func startAt(t *testing.T, cfg Config) (*Emulator, *lambdaapi.RuntimeClient, *lambdaapi.ExtensionClient, string) {
	t.Helper()
	e := New(cfg)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	return e, lambdaapi.NewRuntimeClient(addr, http.DefaultClient), lambdaapi.NewExtensionClient(addr, http.DefaultClient), addr
}

// registerAndListen registers ext for events and calls event/next in the background; the channel
// gets the event it returns (nothing if the call fails).
func registerAndListen(ctx context.Context, t *testing.T, ext *lambdaapi.ExtensionClient, name string, events ...string) <-chan lambdaapi.ExtensionEvent {
	t.Helper()
	if err := ext.Register(ctx, name, events); err != nil {
		t.Fatal(err)
	}
	ch := make(chan lambdaapi.ExtensionEvent, 1)
	go func() {
		ev, err := ext.NextEvent(ctx)
		if err == nil {
			ch <- ev
		}
	}()
	return ch
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestInitCompletesOnlyWhenRuntimeAndEveryExtensionAreReady(t *testing.T) {
	e, rt, ext, addr := startAt(t, Config{Extensions: 1})
	ctx := ctxT(t)
	go func() { _, _ = rt.Next(ctx) }()
	waitFor(t, func() bool { return e.NextPolls() == 1 })
	select {
	case <-e.InitDone():
		t.Fatal("Init completed before the expected extension registered")
	case <-time.After(50 * time.Millisecond):
	}
	if err := ext.Register(ctx, "lambda-adapter", []string{"SHUTDOWN"}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.InitDone():
		t.Fatal("Init completed before the extension called event/next")
	case <-time.After(50 * time.Millisecond):
	}
	go func() { _, _ = ext.NextEvent(ctx) }()
	select {
	case <-e.InitDone():
	case <-time.After(5 * time.Second):
		t.Fatal("Init did not complete after runtime next and extension event/next")
	}
	// Registration is closed after Init.
	late := lambdaapi.NewExtensionClient(addr, http.DefaultClient)
	err := late.Register(ctx, "late", []string{"SHUTDOWN"})
	var se *lambdaapi.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Fatalf("register after Init: got %v, want 403", err)
	}
}

func TestInvocationCarriesEveryHeaderAndBufferedAnswer(t *testing.T) {
	e, rt, _ := start(t, Config{FunctionName: "fn", Region: "eu-west-1", Timeout: 2 * time.Second})
	ctx := ctxT(t)
	type got struct {
		res *Result
		err error
	}
	ch := make(chan got, 1)
	go func() {
		res, err := e.Invoke(ctx, Request{Payload: []byte(`{"a":1}`), RequestID: "rid-1", ClientContext: `{"custom":{}}`,
			CognitoIdentity: `{"cognitoIdentityId":"x"}`, TenantID: "tenant-7"})
		ch <- got{res, err}
	}()
	before := time.Now()
	inv, err := rt.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if inv.RequestID != "rid-1" || string(inv.Payload) != `{"a":1}` || inv.FunctionARN != "arn:aws:lambda:eu-west-1:123456789012:function:fn" ||
		inv.ClientContext != `{"custom":{}}` || inv.CognitoIdentity != `{"cognitoIdentityId":"x"}` || inv.TenantID != "tenant-7" ||
		!strings.HasPrefix(inv.TraceID, "Root=1-") {
		t.Fatalf("invocation: %+v", inv)
	}
	if d := inv.Deadline.Sub(before); d < 1900*time.Millisecond || d > 2100*time.Millisecond {
		t.Fatalf("deadline %v after next, want the 2 s timeout", d)
	}
	if err := rt.Respond(ctx, inv.RequestID, []byte(`{"statusCode":200}`)); err != nil {
		t.Fatal(err)
	}
	g := <-ch
	if g.err != nil {
		t.Fatal(g.err)
	}
	body, _ := io.ReadAll(g.res.Body)
	if string(body) != `{"statusCode":200}` || g.res.FunctionError != "" || g.res.Streaming {
		t.Fatalf("result: %+v body %q", g.res, body)
	}
	if o := g.res.Wait(); o.ErrorType != "" || o.TimedOut || o.Size != int64(len(body)) {
		t.Fatalf("outcome: %+v", o)
	}
	// A second answer for the same invocation is refused, as is an unknown id.
	var se *lambdaapi.StatusError
	if err := rt.Respond(ctx, "rid-1", []byte(`{}`)); !errors.As(err, &se) || se.Status != http.StatusBadRequest {
		t.Fatalf("answer after the end: %v", err)
	}
}

func invokeAsync(e *Emulator, ctx context.Context, req Request) <-chan *Result {
	ch := make(chan *Result, 1)
	go func() {
		res, err := e.Invoke(ctx, req)
		if err != nil {
			res = &Result{FunctionError: "invoke failed: " + err.Error()}
		}
		ch <- res
	}()
	return ch
}

func TestStreamedAnswerArrivesChunkByChunkWithErrorTrailers(t *testing.T) {
	e, rt, _ := start(t, Config{})
	ctx := ctxT(t)
	ch := invokeAsync(e, ctx, Request{Payload: []byte(`{}`)})
	inv, err := rt.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	trailer := http.Header{lambdaapi.HeaderErrorType: nil, lambdaapi.HeaderErrorBody: nil}
	go func() { _ = rt.Stream(ctx, inv.RequestID, pr, trailer) }()
	_, _ = pw.Write([]byte("first"))
	res := <-ch
	if !res.Streaming || res.Header.Get("Content-Type") != lambdaapi.StreamContentType {
		t.Fatalf("result: %+v", res)
	}
	buf := make([]byte, 64)
	n, err := res.Body.Read(buf)
	if err != nil || string(buf[:n]) != "first" {
		t.Fatalf("first chunk before the stream ended: %q %v", buf[:n], err)
	}
	trailer.Set(lambdaapi.HeaderErrorType, "Runtime.AppError")
	trailer.Set(lambdaapi.HeaderErrorBody, "eyJlcnJvck1lc3NhZ2UiOiJib29tIn0=") // {"errorMessage":"boom"}
	_, _ = pw.Write([]byte("second"))
	pw.Close()
	rest, _ := io.ReadAll(res.Body)
	if string(rest) != "second" {
		t.Fatalf("rest %q", rest)
	}
	o := res.Wait()
	if o.ErrorType != "Runtime.AppError" || string(o.ErrorBody) != `{"errorMessage":"boom"}` || o.Size != 11 ||
		o.Trailer.Get(lambdaapi.HeaderErrorType) != "Runtime.AppError" {
		t.Fatalf("outcome %+v", o)
	}
}

func TestInvocationErrorAndTimeoutAndLimits(t *testing.T) {
	e, rt, _ := start(t, Config{Timeout: 200 * time.Millisecond})
	ctx := ctxT(t)

	ch := invokeAsync(e, ctx, Request{Payload: []byte(`{}`)})
	inv, _ := rt.Next(ctx)
	if err := rt.Fail(ctx, inv.RequestID, "Runtime.AppError", "app down"); err != nil {
		t.Fatal(err)
	}
	res := <-ch
	body, _ := io.ReadAll(res.Body)
	if res.FunctionError != "Runtime.AppError" || !bytes.Contains(body, []byte(`"errorMessage":"app down"`)) {
		t.Fatalf("error result %+v %s", res, body)
	}

	ch = invokeAsync(e, ctx, Request{Payload: []byte(`{}`)})
	inv, _ = rt.Next(ctx)
	res = <-ch
	body, _ = io.ReadAll(res.Body)
	if res.FunctionError != ErrTypeTimeout || !res.Wait().TimedOut || !strings.Contains(string(body), "Task timed out after 0.20 seconds") {
		t.Fatalf("timeout result %+v %s", res, body)
	}
	var se *lambdaapi.StatusError
	if err := rt.Respond(ctx, inv.RequestID, []byte(`{}`)); !errors.As(err, &se) {
		t.Fatalf("answer after the timeout accepted: %v", err)
	}

	_, err := e.Invoke(ctx, Request{Payload: make([]byte, MaxRequestPayload+1)})
	var ie *InvokeError
	if !errors.As(err, &ie) || ie.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized request: %v", err)
	}

	ch = invokeAsync(e, ctx, Request{Payload: []byte(`{}`), Timeout: 5 * time.Second})
	inv, _ = rt.Next(ctx)
	err = rt.Respond(ctx, inv.RequestID, make([]byte, MaxResponsePayload+1))
	if !errors.As(err, &se) || se.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized response: runtime got %v, want 413", err)
	}
	if res = <-ch; res.FunctionError != ErrTypeResponseTooLarge {
		t.Fatalf("oversized response result %+v", res)
	}
}

func TestInitErrorRestoreAndShutdown(t *testing.T) {
	e, rt, ext := start(t, Config{SnapStart: true, Extensions: 1})
	ctx := ctxT(t)
	events := registerAndListen(ctx, t, ext, "lambda-adapter", "SHUTDOWN")
	restored := make(chan error, 1)
	go func() { restored <- rt.RestoreNext(ctx) }()
	select {
	case <-e.InitDone():
	case <-time.After(5 * time.Second):
		t.Fatal("SnapStart Init did not complete at restore/next")
	}
	select {
	case err := <-restored:
		t.Fatalf("restore/next returned before Restore: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	e.Restore()
	if err := <-restored; err != nil {
		t.Fatal(err)
	}
	if err := rt.RestoreError(ctx, "Runtime.AfterRestoreError", "hook failed"); err != nil {
		t.Fatal(err)
	}
	if err := rt.InitError(ctx, "Runtime.AppNotReady", "app never answered"); err != nil {
		t.Fatal(err)
	}
	r1, r2 := <-e.Errors(), <-e.Errors()
	if r1.Endpoint != "runtime/restore/error" || r1.Type != "Runtime.AfterRestoreError" ||
		r2.Endpoint != "runtime/init/error" || !bytes.Contains(r2.Body, []byte("app never answered")) {
		t.Fatalf("reports %+v %+v", r1, r2)
	}
	deadline := time.Now().Add(2 * time.Second)
	e.Shutdown(ShutdownSpindown, deadline)
	select {
	case ev := <-events:
		if ev.EventType != "SHUTDOWN" || ev.ShutdownReason != "spindown" || ev.DeadlineMs != deadline.UnixMilli() {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no SHUTDOWN event")
	}
}

func TestInvokeEventGoesToSubscribedExtensions(t *testing.T) {
	e, rt, ext := start(t, Config{Extensions: 1})
	ctx := ctxT(t)
	events := registerAndListen(ctx, t, ext, "watcher", "INVOKE", "SHUTDOWN")
	ch := invokeAsync(e, ctx, Request{Payload: []byte(`{}`), RequestID: "rid-9"})
	inv, err := rt.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ev := <-events
	if ev.EventType != "INVOKE" || ev.RequestID != "rid-9" || ev.DeadlineMs != inv.Deadline.UnixMilli() {
		t.Fatalf("INVOKE event %+v, invocation deadline %d", ev, inv.Deadline.UnixMilli())
	}
	_ = rt.Respond(ctx, inv.RequestID, []byte(strconv.Quote("ok")))
	<-ch
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	end := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(end) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStreamOverItsLimitIsCut(t *testing.T) {
	e, rt, _ := start(t, Config{StreamLimit: 10})
	ctx := ctxT(t)
	ch := invokeAsync(e, ctx, Request{Payload: []byte(`{}`), ExtraHeader: map[string]string{"X-Future": "yes"}})
	inv, err := rt.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	streamErr := make(chan error, 1)
	go func() { streamErr <- rt.Stream(ctx, inv.RequestID, strings.NewReader(strings.Repeat("x", 100)), nil) }()
	res := <-ch
	_, _ = io.ReadAll(res.Body)
	if o := res.Wait(); o.ErrorType != ErrTypeResponseTooLarge {
		t.Fatalf("outcome %+v, want %s", o, ErrTypeResponseTooLarge)
	}
	var se *lambdaapi.StatusError
	if err := <-streamErr; !errors.As(err, &se) || se.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("runtime got %v, want 413", err)
	}
}

// The deadline runs from Invoke: a runtime that never asks for the invocation times out too.
func TestDeadlinePassesWhileNoRuntimeAsks(t *testing.T) {
	e, _, _ := start(t, Config{Timeout: 100 * time.Millisecond})
	res, err := e.Invoke(ctxT(t), Request{Payload: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.FunctionError != ErrTypeTimeout || !res.Wait().TimedOut {
		t.Fatalf("result %+v, want %s", res, ErrTypeTimeout)
	}
}
