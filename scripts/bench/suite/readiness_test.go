//go:build bench

package suite

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// TestReadiness measures how soon the adapter notices the app: from the moment the app calls
// listen() to the adapter's first /runtime/invocation/next (readiness check passed, Init over), and
// how much CPU the adapter burns while the app is absent. The first trial waits long enough for a
// meaningful CPU figure (clock ticks are 10 ms); the others time the hand-over only.
func TestReadiness(t *testing.T) {
	const (
		trials     = 21
		longAbsent = 3 * time.Second
		absent     = 100 * time.Millisecond
	)
	var delays, seen []time.Duration
	var cpuShare float64
	for i := range trials {
		wait := absent
		if i == 0 {
			wait = longAbsent
		}
		tr := readinessTrial(t, wait)
		delays = append(delays, tr.next)
		seen = append(seen, tr.check)
		if i == 0 {
			cpuShare = tr.cpuShare
		}
	}
	s := summarize(delays)
	t.Logf("listen → first /next over %d trials: %s", trials, s)
	t.Logf("listen → the readiness GET reaches the app: %s", summarize(seen))
	t.Logf("adapter CPU while the app was absent for %s: %.2f%% of a core", longAbsent, cpuShare*100)
	record(t, "readiness: app listen() → first /next",
		fmt.Sprintf("median %s, p90 %s, max %s (%d trials)", us(s.p50), us(s.p90), us(s.max), trials),
		"≤ 2 ms (median)", s.p50 <= 2*time.Millisecond)
	record(t, "readiness: adapter CPU while the app is absent",
		fmt.Sprintf("%.2f%% of a core over %s", cpuShare*100, longAbsent),
		"≤ 5% of a core", cpuShare <= 0.05)
}

// trial is one readiness measurement.
type trial struct {
	check    time.Duration // listen() → the readiness GET reaches the app
	next     time.Duration // listen() → the first /runtime/invocation/next
	cpuShare float64       // of a core, while the app was absent
}

// readinessTrial starts an adapter with no app, lets it wait for absent, then starts the app and
// times the hand-over.
func readinessTrial(t *testing.T, absent time.Duration) trial {
	t.Helper()
	api := newWatchAPI(t)
	port := testenv.FreePort(t)
	p := startAdapter(t,
		"AWS_LAMBDA_RUNTIME_API="+api.Addr,
		"AWS_LWA_PORT="+strconv.Itoa(port),
		"AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS=60",
	)
	select {
	case <-api.registered:
	case <-time.After(10 * time.Second):
		t.Fatal("the adapter did not register")
	}
	// Let start-up work (runtime init, registration) finish before counting CPU.
	time.Sleep(20 * time.Millisecond)
	cpu0, err := procCPU(p.pid())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	time.Sleep(absent)
	cpu1, err := procCPU(p.pid())
	if err != nil {
		t.Fatal(err)
	}
	share := float64(cpu1-cpu0) / float64(time.Since(start))

	checked := make(chan time.Time, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case checked <- time.Now():
		default:
		}
		w.WriteHeader(http.StatusOK)
	})}
	listenAt := time.Now()
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("app listen: %v", err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	select {
	case at := <-api.firstNext:
		return trial{check: (<-checked).Sub(listenAt), next: at.Sub(listenAt), cpuShare: share}
	case <-time.After(10 * time.Second):
		if p.exited() {
			t.Fatalf("the adapter exited:\n%s", p.logs.String())
		}
		t.Fatal("no /next within 10 s of the app listening")
	}
	return trial{}
}
