//go:build e2e

package adapter_test

// Kept-alive connections the app closes (#830 in AWS's adapter), a freeze, and load through the
// real RIE (issue 9); see faults_e2e_test.go.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// #830 in AWS's adapter: a kept-alive connection the app closes while idle.
func TestE2EFaultStaleKeepAlive(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		// The app closes connections idle for 1 s; the next invocation comes at 1.1 s.
		{"idle timeout", []string{"-idle", "1s"}},
		// The race after a freeze, made certain: the app closes the connection as the request arrives.
		{"closed as the request arrives", []string{"-idle", "0", "-drop-stale", "1s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startBad(t, nil, tc.args...)
			for _, method := range []string{"GET", "PUT", "DELETE", "POST", "PATCH"} {
				echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/warm-" + method}, nil)
				time.Sleep(1100 * time.Millisecond)
				e := echoInvoke(t, f, testenv.HTTPEvent{Method: method, Path: "/echo/" + method, Body: []byte("body of " + method)}, nil)
				if e.Runs != 1 || e.Body != "body of "+method {
					t.Errorf("%s: the app ran it %d times, body %q", method, e.Runs, e.Body)
				}
			}
			if tc.args[1] == "0" && !strings.Contains(f.rie.Logs(), "badapp: dropping a connection") {
				t.Errorf("the race never happened:\n%s", f.rie.Logs())
			}
			if strings.Contains(f.rie.Logs(), "level=ERROR") {
				t.Errorf("errors logged:\n%s", f.rie.Logs())
			}
			wantSameAdapter(t, f)
		})
	}
}

// A freeze: adapter and app stopped past the app's keep-alive timeout, then thawed as the next
// invocation arrives. The adapter resumes 50 ms before the app, so its request reaches a connection
// whose owner has not yet run its overdue idle timer: the app then closes it with the request
// unread, the race of #830 in AWS's adapter.
func TestE2EFaultFreeze(t *testing.T) {
	token := fmt.Sprintf("lwa-freeze-%d", time.Now().UnixNano())
	f := startBad(t, []string{"LWA_FAULT_TOKEN=" + token}, "-idle", "1s")
	echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/warm"}, nil)
	adapter, app := sandboxPIDs(t, token)
	for _, method := range []string{"GET", "PUT", "DELETE", "POST"} {
		echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/warm-" + method}, nil)
		signalAll(t, syscall.SIGSTOP, adapter, app)
		time.Sleep(1200 * time.Millisecond)
		type answer struct {
			res *testenv.Result
			err error
		}
		done := make(chan answer, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := f.rie.Invoke(ctx, testenv.V2(testenv.HTTPEvent{Method: method, Path: "/echo/" + method, Body: []byte("thawed")}), nil)
			done <- answer{res, err}
		}()
		time.Sleep(20 * time.Millisecond) // the invocation waits at the frozen adapter
		signalAll(t, syscall.SIGCONT, adapter)
		time.Sleep(50 * time.Millisecond)
		signalAll(t, syscall.SIGCONT, app)
		a := <-done
		if a.err != nil {
			t.Fatal(a.err)
		}
		var hr testenv.HTTPResult
		var e echoE2E
		if json.Unmarshal(a.res.Body, &hr) != nil || hr.StatusCode != 200 || json.Unmarshal([]byte(hr.Body), &e) != nil {
			t.Errorf("%s after a freeze: %d %s", method, a.res.Status, a.res.Body)
			continue
		}
		if e.Runs != 1 || e.Body != "thawed" {
			t.Errorf("%s after a freeze: ran %d times, body %q", method, e.Runs, e.Body)
		}
	}
	if strings.Contains(f.rie.Logs(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", f.rie.Logs())
	}
	wantSameAdapter(t, f)
}

// sandboxPIDs finds the adapter and the app of the RIE whose environment holds token.
func sandboxPIDs(t *testing.T, token string) (adapter, app int) {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(env, []byte("LWA_FAULT_TOKEN="+token)) {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		switch strings.TrimSpace(string(comm)) {
		case "lambda-adapter":
			adapter = pid
		case "badapp":
			app = pid
		}
	}
	if adapter == 0 || app == 0 {
		t.Fatalf("adapter (pid %d) or app (pid %d) not found", adapter, app)
	}
	return adapter, app
}

func signalAll(t *testing.T, sig syscall.Signal, pids ...int) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, sig); err != nil {
			t.Fatalf("signal %d: %v", pid, err)
		}
	}
}

// Lambda Managed Instances mode: 64 concurrent loops under RIE, invocations with distinct bodies.
// RIE refuses an invocation at once (400, Runtime.Unavailable) when no loop is polling at that
// moment; those are sent again. Every answer must be its own request's, and the adapter's memory
// (RSS, from /proc) must stay flat. TestFaultConcurrency64 runs the same load against FakeAPI, where
// goroutines can be counted.
func TestE2EFaultManagedInstancesConcurrency64(t *testing.T) {
	const loops, warm, total = 64, 1000, 10000
	token := fmt.Sprintf("lwa-mi-%d", time.Now().UnixNano())
	appPort := testenv.FreePort(t)
	varDir := testenv.VarDir(t)
	b, err := os.ReadFile(badapp(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(varDir, "runtime", "badapp"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\nexec /var/runtime/badapp -addr 127.0.0.1:%d -idle 0\n", appPort)
	if err := os.WriteFile(filepath.Join(varDir, "runtime", "bootstrap"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := testenv.StartRIE(t, testenv.Options{Opt: testenv.OptDir(t, adapterBin), Var: varDir, Env: []string{
		"AWS_LWA_PORT=" + strconv.Itoa(appPort), "AWS_LAMBDA_MAX_CONCURRENCY=" + strconv.Itoa(loops), "LWA_FAULT_TOKEN=" + token}})
	f := &fn{rie: r, appPort: appPort}

	var refused, seq atomic.Int64
	run := func(n int64) []string {
		var mu sync.Mutex
		var bad []string
		var wg sync.WaitGroup
		end := seq.Load() + n
		for range loops {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := seq.Add(1)
					if i > end {
						return
					}
					id := strconv.FormatInt(i, 10)
					body := strings.Repeat(id+".", int(i%97)+1)
					if err := miInvoke(r, id, body, &refused); err != nil {
						mu.Lock()
						bad = append(bad, err.Error())
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		return bad
	}
	// Init is eager in this mode; the first invocations may find no poller yet.
	if bad := run(warm); len(bad) > 0 {
		t.Fatalf("%d of %d warm-up invocations failed; first: %s", len(bad), warm, bad[0])
	}
	adapter, _ := sandboxPIDs(t, token)
	rss0 := rssKiB(t, adapter)
	start := time.Now()
	bad := run(total)
	took := time.Since(start)
	rss1 := rssKiB(t, adapter)
	if len(bad) > 0 {
		t.Errorf("%d of %d invocations failed; first: %s", len(bad), total, bad[0])
	}
	if rss1 > rss0+16<<10 {
		t.Errorf("adapter RSS grew from %d to %d KiB over %d invocations", rss0, rss1, total)
	}
	wantSameAdapter(t, f)
	t.Logf("%d invocations on %d loops through RIE in %s (%.0f/s), %d refused by RIE for want of a poller and sent again; adapter RSS %d → %d KiB",
		total, loops, took.Round(time.Millisecond), float64(total)/took.Seconds(), refused.Load(), rss0, rss1)
}

// miInvoke sends one invocation until RIE finds a poller for it, and checks the answer is its own.
func miInvoke(r *testenv.RIE, id, body string, refused *atomic.Int64) error {
	payload := testenv.V2(testenv.HTTPEvent{Method: "POST", Path: "/echo/" + id, Query: "id=" + id, Body: []byte(body)})
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, err := r.Invoke(ctx, payload, nil)
		cancel()
		if err != nil {
			return err
		}
		if res.Status == 400 && bytes.Contains(res.Body, []byte("Runtime.Unavailable")) && attempt < 1000 {
			refused.Add(1)
			time.Sleep(time.Millisecond)
			continue
		}
		var hr testenv.HTTPResult
		var e echoE2E
		if json.Unmarshal(res.Body, &hr) != nil || hr.StatusCode != 200 || json.Unmarshal([]byte(hr.Body), &e) != nil {
			return fmt.Errorf("invocation %s: %d %.300s", id, res.Status, res.Body)
		}
		if e.Body != body || e.RawQuery != "id="+id || e.Runs != 1 {
			return fmt.Errorf("invocation %s answered for %q (body %.40q, runs %d): cross-talk", id, e.RawQuery, e.Body, e.Runs)
		}
		return nil
	}
}

// rssKiB is a process's resident set size.
func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	t.Fatalf("no VmRSS for %d", pid)
	return 0
}
