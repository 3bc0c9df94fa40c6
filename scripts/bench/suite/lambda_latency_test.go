//go:build bench

package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// lambdaInvokes is how many invocations each side gets at each memory size, interleaved.
const lambdaInvokes = 600

// TestLambdaLatency is TestLatency under Lambda's CPU shares: for each memory size in
// LWA_BENCH_MEMORY (and without a quota), one RIE sandbox with lambda-adapter and go-httpbin and
// one with the native handler, each in its own cgroup with the memory's quota, invoked in turn.
// Invocations are paced so that a side's sandbox uses about half of its quota: a function invoked
// faster than its CPU share allows is throttled whatever runs in it, which would measure the
// quota, not the adapter. The CPU of each process per invocation comes from schedstat; the periods
// each sandbox was throttled in are counted. LWA_BENCH_BASELINE_ADAPTER adds the other binary.
func TestLambdaLatency(t *testing.T) {
	for _, m := range append([]int{0}, memorySizes(t)...) {
		q := &quota{memory: m}
		t.Run(q.String(), func(t *testing.T) { latencyAt(t, m) })
	}
}

// quotaSide is one sandbox in the latency rounds.
type quotaSide struct {
	side
	q    *quota
	u0   usage
	cpu0 map[string]time.Duration
	cpu  map[string]time.Duration // per invocation, by process name
	used usage
}

func latencyAt(t *testing.T, memory int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	payload := testenv.V2(testenv.HTTPEvent{Method: "GET", Path: "/range/1024", Headers: map[string]string{"accept": "text/plain"}})
	lq := newQuota(t, memory, "lat-lwa")
	lwa, first, _ := startAdapterRIE(ctx, t, bins.adapter, "bench-lwa", payload, lq)
	var resp v2Response
	if err := json.Unmarshal(first, &resp); err != nil || resp.StatusCode != http.StatusOK || len(resp.Body) != 1024 {
		t.Fatalf("adapter answered %s (%v): want status 200 and 1024 bytes", first, err)
	}
	canned := filepath.Join(testenv.WorldDir(t), "response.json")
	if err := os.WriteFile(canned, first, 0o644); err != nil {
		t.Fatal(err)
	}
	nq := newQuota(t, memory, "lat-native")
	native, nfirst, _ := startNativeRIE(ctx, t, "bench-native", canned, "", payload, nq)
	sides := []*quotaSide{
		{side: side{name: "lambda-adapter", rie: lwa, want: len(first)}, q: lq},
		{side: side{name: "native", rie: native, want: len(nfirst)}, q: nq},
	}
	if base := os.Getenv("LWA_BENCH_BASELINE_ADAPTER"); base != "" {
		bq := newQuota(t, memory, "lat-base")
		r, b, _ := startAdapterRIE(ctx, t, base, "bench-baseline", payload, bq)
		sides = append(sides, &quotaSide{side: side{name: "baseline", rie: r, want: len(b)}, q: bq})
	}
	warm := make([]usage, len(sides))
	for i, s := range sides {
		warm[i] = s.q.usage(t)
	}
	const warmups = 100
	for range warmups { // connections, caches, the Go runtimes' heaps
		for _, s := range sides {
			s.invoke(ctx, t, payload)
		}
	}
	// Pace from the hungriest sandbox's CPU per invocation during the warm-up, so that it uses
	// about half its quota.
	gap := time.Duration(0)
	if memory > 0 {
		var most time.Duration
		for i, s := range sides {
			most = max(most, s.q.usage(t).sub(warm[i]).cpu/warmups)
		}
		gap = time.Duration(2 * float64(most) * mbPerVCPU / float64(memory))
		t.Logf("%d MB: sandbox CPU per invocation up to %s: one round every %s", memory, us(most), gap)
	}
	names := []string{"lambda-adapter", "go-httpbin", "native", "aws-lambda-rie"}
	for _, s := range sides {
		s.took = s.took[:0]
		s.u0 = s.q.usage(t)
		s.cpu0 = map[string]time.Duration{}
		for _, n := range names {
			s.cpu0[n] = cpuOf(n, s.q.cpu)
		}
	}
	for i := range lambdaInvokes {
		start := time.Now()
		for j := range sides {
			sides[(i+j)%len(sides)].invoke(ctx, t, payload)
		}
		if d := gap - time.Since(start); d > 0 {
			time.Sleep(d)
		}
	}
	for _, s := range sides {
		s.used = s.q.usage(t).sub(s.u0)
		s.cpu = map[string]time.Duration{}
		for _, n := range names {
			if c := cpuOf(n, s.q.cpu) - s.cpu0[n]; c > 0 {
				s.cpu[n] = c / lambdaInvokes
			}
		}
	}
	stagesAt(ctx, t, memory, sides[0], gap, payload)
	reportLatencyAt(t, memory, sides)
}

func reportLatencyAt(t *testing.T, memory int, sides []*quotaSide) {
	at := (&quota{memory: memory}).String()
	ns := summarize(sides[1].took)
	nat := sides[1].cpu["native"]
	for i, s := range sides {
		ss := summarize(s.took)
		t.Logf("%s %-14s %s; CPU per invocation %v; sandbox %s and %d periods throttled over %d",
			at, s.name+":", ss, s.cpu, us(s.used.cpu/lambdaInvokes), s.used.throttled, lambdaInvokes)
		if i == 1 {
			continue
		}
		p50 := float64(ss.p50) / float64(ns.p50)
		p99 := float64(ss.p99) / float64(ns.p99)
		own := s.cpu["lambda-adapter"]
		record(t, fmt.Sprintf("%s, %s: latency per invocation, median vs native (%d interleaved, paced)", at, s.name, lambdaInvokes),
			fmt.Sprintf("%.2f× (%s vs %s); p99 %.2f× (%s vs %s); throttled periods %d vs native %d",
				p50, us(ss.p50), us(ns.p50), p99, us(ss.p99), us(ns.p99), s.used.throttled, sides[1].used.throttled),
			"median ≤ 1.10×, p99 ≤ 1.25×", p50 <= 1.10 && p99 <= 1.25)
		record(t, fmt.Sprintf("%s, %s: adapter CPU per invocation vs the native handler's", at, s.name),
			fmt.Sprintf("%s vs %s (%.2f×); go-httpbin %s, RIE %s (native side's RIE %s)",
				us(own), us(nat), float64(own)/float64(nat), us(s.cpu["go-httpbin"]), us(s.cpu["aws-lambda-rie"]), us(sides[1].cpu["aws-lambda-rie"])),
			"≤ 0.5× the native handler's", float64(own) <= 0.5*float64(nat))
	}
}

// stagesAt records where the adapter's CPU per invocation goes, from perf samples of a further,
// separate run of the adapter's sandbox alone at the same pace (sampling costs the sampled
// process, so never during the comparison).
func stagesAt(ctx context.Context, t *testing.T, memory int, lwa *quotaSide, gap time.Duration, payload []byte) {
	pids := pidsNamed("lambda-adapter", lwa.q.cpu)
	if len(pids) != 1 {
		t.Fatalf("lambda-adapter processes in the sandbox: %v", pids)
	}
	share, n := profileStages(ctx, t, pids[0], bins.adapter, func() {
		for range lambdaInvokes / 2 {
			start := time.Now()
			lwa.invoke(ctx, t, payload)
			if d := gap - time.Since(start); d > 0 { // the same rate per sandbox as the comparison
				time.Sleep(d)
			}
		}
	})
	at := (&quota{memory: memory}).String()
	record(t, fmt.Sprintf("%s, lambda-adapter: its CPU per invocation by stage (perf, %d samples)", at, n),
		formatStages(share, lwa.cpu["lambda-adapter"]), "—", true)
}
