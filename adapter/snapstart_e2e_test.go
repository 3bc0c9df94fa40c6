//go:build e2e

package adapter_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// httpbinLogging is go-httpbin logging every request, so the test sees the hook calls in RIE's output.
func httpbinLogging(t *testing.T) func(int) []string {
	return func(port int) []string {
		args := testenv.HTTPBin(t, port)
		for i := range args {
			if args[i] == "WARN" {
				args[i] = "INFO"
			}
		}
		return args
	}
}

// What the real RIE does with SnapStart (its source, internal/lambda/rapi/router.go and
// rapid/handlers.go, says the same): its invoke endpoint never calls Restore. By default it has no
// /runtime/restore/next route at all, so a SnapStart Init fails there, with a message saying so.
func TestE2ESnapStartRIEHasNoRestoreRoute(t *testing.T) {
	f := startFn(t, fnOptions{bootstrap: httpbinLogging(t), env: []string{
		"AWS_LAMBDA_INITIALIZATION_TYPE=snap-start",
		"AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH=/anything/snap/before",
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.rie.Invoke(ctx, testenv.V2(testenv.HTTPEvent{Path: "/get"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Runtime.RestoreNextFailed", "/runtime/restore/next: status 404"} {
		if !strings.Contains(string(res.Body), want) {
			t.Errorf("invoke answered %d %q: no %q", res.Status, res.Body, want)
		}
	}
	if n := strings.Count(f.rie.Logs(), "method=POST uri=/anything/snap/before"); n != 1 {
		t.Errorf("before-checkpoint hook called %d times, want 1", n)
	}
}

// With --enable-init-caching, RIE routes /runtime/restore/next: the call parks the runtime and Init
// completes; the first invoke releases it, and restore/next returns with that invocation as its body
// (RIE's renderer at that moment is the invoke renderer; Lambda answers restore/next with an empty
// 200). A runtime following the protocol, the adapter as AWS's runtime clients, runs its restore
// steps and then waits on /next for an invocation that was already handed over: the invoke times
// out, and RIE resets the sandbox. So RIE can show the hooks' order, not a served invocation; the
// whole sequence is tested against the in-process Runtime API (TestSnapStartSequence).
func TestE2ESnapStartRIEInitCaching(t *testing.T) {
	logging := httpbinLogging(t)
	f := startFn(t, fnOptions{bootstrap: func(port int) []string {
		// RIE reads flags placed before the bootstrap command.
		return append([]string{"--enable-init-caching"}, logging(port)...)
	}, env: []string{
		"AWS_LAMBDA_INITIALIZATION_TYPE=snap-start",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=2",
		"AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH=/anything/snap/before",
		"AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH=/anything/snap/after",
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.rie.Invoke(ctx, testenv.V2(testenv.HTTPEvent{Path: "/get"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := f.rie.Logs()
	if !strings.Contains(string(res.Body), "Task timed out") {
		t.Errorf("invoke answered %d %q: RIE was expected to hand the invocation to restore/next", res.Status, res.Body)
	}
	// In order: before-checkpoint hook, parked on restore/next, Init done, the invoke releases it,
	// after-restore hook, readiness again.
	order := []string{
		"method=POST uri=/anything/snap/before",
		"ready for the snapshot: waiting for a restore",
		"INIT RTDONE(status: success)",
		"INVOKE START",
		"restored from a snapshot",
		"method=POST uri=/anything/snap/after",
		"method=GET uri=/ ",
	}
	at := 0
	for _, s := range order {
		i := strings.Index(logs[at:], s)
		if i < 0 {
			t.Fatalf("%q missing or out of order in:\n%s", s, logs)
		}
		at += i
	}
	for _, hook := range []string{order[0], order[5]} {
		if n := strings.Count(logs, hook); n != 1 {
			t.Errorf("%q %d times, want once", hook, n)
		}
	}
	if strings.Contains(logs, "init failed") || strings.Contains(logs, "restore failed") {
		t.Errorf("a SnapStart phase failed:\n%s", logs)
	}
}

// TestE2ESnapStartBeforeCheckpointFails: a before-checkpoint hook answering 500 fails Init; the
// real RIE passes the posted error to the caller (502), naming the hook and the app's answer.
func TestE2ESnapStartBeforeCheckpointFails(t *testing.T) {
	f := startFn(t, fnOptions{env: []string{
		"AWS_LAMBDA_INITIALIZATION_TYPE=snap-start",
		"AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH=/status/500",
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.rie.Invoke(ctx, testenv.V2(testenv.HTTPEvent{Path: "/get"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 502 {
		t.Errorf("invoke answered %d, want 502 (Init failed)", res.Status)
	}
	body := string(res.Body)
	for _, want := range []string{"Runtime.BeforeCheckpointHookFailed", "/status/500", "AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "500 Internal Server Error"} {
		if !strings.Contains(body, want) {
			t.Errorf("invoke answered %d %q: no %q", res.Status, body, want)
		}
	}
}

// TestE2EHookGuard: with a hook path set (SnapStart or not), an invocation for any spelling of it is
// answered 403 by the adapter; go-httpbin, which answers every method on /anything, never sees it.
func TestE2EHookGuard(t *testing.T) {
	f := startFn(t, fnOptions{bootstrap: httpbinLogging(t), env: []string{
		"AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH=/anything/_hook",
	}})
	for _, p := range []string{"/anything/_hook", "/ANYTHING//%5Fhook/", "/anything/x/../_hook", "/anything%2F_hook"} {
		hr, _ := invokeHTTP(t, f, testenv.V2(testenv.HTTPEvent{Method: "POST", Path: p}))
		if hr.StatusCode != 403 {
			t.Errorf("%s: status %d %q, want 403", p, hr.StatusCode, hr.Body)
		}
	}
	hr, _ := invokeHTTP(t, f, testenv.V2(testenv.HTTPEvent{Method: "POST", Path: "/anything/_hookx"}))
	if hr.StatusCode != 200 || !strings.Contains(hr.Body, "/anything/_hookx") {
		t.Errorf("/anything/_hookx: %d %q", hr.StatusCode, hr.Body)
	}
	// go-httpbin logs "method=POST uri=..." for each request it serves: only /anything/_hookx.
	if logs := f.rie.Logs(); strings.Count(logs, "method=POST uri=") != 1 {
		t.Errorf("a hook spelling reached the app:\n%s", logs)
	}
}
