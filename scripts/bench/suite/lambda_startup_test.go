//go:build bench

package suite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// The start-up measures under Lambda's CPU shares (docs/performance.md, "Lambda-sized").
const (
	slowStartCPU = 300 * time.Millisecond // the slow app's own CPU before listen()
	slowRounds   = 4
	quickRounds  = 8
)

// TestLambdaStartup runs whole sandboxes (RIE, the adapter, an app) in cgroup CPU quotas of each
// memory size in LWA_BENCH_MEMORY, and without one, and times the start-up from the first invoke
// (Init is lazy under RIE) against the same sandbox without the adapter, rounds interleaved:
//
//   - the start-up tax: how much later an app needing 300 ms of its own CPU reaches listen() with
//     the adapter polling beside it than alone; and how soon after listen() the adapter's readiness
//     request reaches it;
//   - a quick app (listening at once): how soon it is seen, and what the first invocation adds
//     beyond the app's own start (in time and in periods throttled), with the native handler's
//     cold start beside it.
//
// LWA_BENCH_BASELINE_ADAPTER adds the other binary as one more side.
func TestLambdaStartup(t *testing.T) {
	for _, m := range append([]int{0}, memorySizes(t)...) {
		q := &quota{memory: m}
		t.Run(q.String(), func(t *testing.T) { startupAt(t, m) })
	}
}

// startSide is one kind of sandbox in the start-up rounds.
type startSide struct {
	name    string
	adapter string // the extension; "" for none
	native  bool   // the native handler instead of an app
	q       *quota
	slow    []startTrial
	quick   []startTrial
}

func startupAt(t *testing.T, memory int) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	sides := []*startSide{
		{name: "alone"},
		{name: "lambda-adapter", adapter: bins.adapter},
	}
	if base := os.Getenv("LWA_BENCH_BASELINE_ADAPTER"); base != "" {
		sides = append(sides, &startSide{name: "baseline", adapter: base})
	}
	native := &startSide{name: "native", native: true}
	for i, s := range append(sides, native) {
		s.q = newQuota(t, memory, fmt.Sprintf("start%d", i))
	}
	for i := range slowRounds {
		for j := range sides {
			s := sides[(i+j)%len(sides)]
			s.slow = append(s.slow, runStartTrial(ctx, t, s, slowStartCPU))
		}
	}
	all := append(sides, native)
	for i := range quickRounds {
		for j := range all {
			s := all[(i+j)%len(all)]
			s.quick = append(s.quick, runStartTrial(ctx, t, s, 0))
		}
	}
	reportStartup(t, memory, sides[0], sides[1:], native)
}

// startTrial is one cold start, times from the first invoke.
type startTrial struct {
	main, listen time.Duration // the app's main() and listen()
	request      time.Duration // the first request (the readiness check) reaches the app
	answered     time.Duration // the first invocation's answer (sides with a handler)
	adapterCPU   time.Duration // the adapter's CPU from exec to the first answer
	used         usage         // the sandbox's CPU and throttled periods, invoke → answer (or listen)
}

// appStart is the app's own start: its main() to its listen().
func (tr startTrial) appStart() time.Duration { return tr.listen - tr.main }

// seen is listen() → the readiness request.
func (tr startTrial) seen() time.Duration { return tr.request - tr.listen }

var startPayload = testenv.V2(testenv.HTTPEvent{Method: "GET", Path: "/"})

func runStartTrial(ctx context.Context, t *testing.T, s *startSide, startCPU time.Duration) startTrial {
	t.Helper()
	dir := testenv.WorldDir(t)
	report := filepath.Join(dir, "report")
	env := []string{"AWS_LAMBDA_FUNCTION_NAME=bench-start", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(s.q.memorySize())}
	o := testenv.Options{Opt: testenv.OptDir(t, s.adapter), Cgroups: s.q.cgroups()}
	if s.native {
		canned := filepath.Join(dir, "response.json")
		if err := os.WriteFile(canned, []byte(`{"statusCode":200,"body":"ok"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		o.Bootstrap = []string{bins.native}
		o.Env = append(env, "LWA_BENCH_RESPONSE="+canned)
	} else {
		o.Bootstrap = []string{bins.slowapp}
		o.Env = append(env, "AWS_LWA_PORT="+strconv.Itoa(testenv.FreePort(t)), "LWA_BENCH_REPORT="+report,
			"LWA_BENCH_START_CPU="+startCPU.String())
		o.Env = append(o.Env, strings.Fields(os.Getenv("LWA_BENCH_ADAPTER_ENV"))...)
	}
	r := testenv.StartRIE(t, o)
	defer r.Stop()
	ictx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	type answer struct {
		res *testenv.Result
		err error
		at  time.Time
	}
	answered := make(chan answer, 1)
	u0 := s.q.usage(t)
	start := time.Now()
	go func() {
		res, err := r.Invoke(ictx, startPayload, nil)
		answered <- answer{res, err, time.Now()}
	}()
	var tr startTrial
	if s.adapter == "" && !s.native {
		// Nobody polls /next: Init never ends; the app's listen() is the end.
		for !strings.Contains(readFile(t, report), "listen ") {
			select {
			case a := <-answered:
				t.Fatalf("%s: the invoke ended before the app listened: %v\n%s", s.name, a.err, r.Logs())
			case <-time.After(2 * time.Millisecond):
			}
		}
		tr.used = s.q.usage(t).sub(u0)
	} else {
		a := <-answered
		if a.err != nil || a.res.Status != 200 || !strings.Contains(string(a.res.Body), `"ok"`) {
			t.Fatalf("%s: first invoke: %v %+v\n%s", s.name, a.err, a.res, r.Logs())
		}
		tr.answered = a.at.Sub(start)
		tr.used = s.q.usage(t).sub(u0)
		tr.adapterCPU = cpuOf("lambda-adapter", s.q.cpu)
	}
	if !s.native {
		ev := parseReport(t, readFile(t, report))
		tr.main, tr.listen, tr.request = ev["main"].Sub(start), ev["listen"].Sub(start), ev["request"].Sub(start)
	}
	return tr
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

// parseReport reads slowapp's "event unix-nanoseconds" lines.
func parseReport(t *testing.T, s string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		ns, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil {
			t.Fatalf("slowapp report: bad line %q", sc.Text())
		}
		out[k] = time.Unix(0, ns)
	}
	return out
}

// reportStartup turns the rounds into rows; each ratio pairs trials of the same round.
func reportStartup(t *testing.T, memory int, alone *startSide, adapters []*startSide, native *startSide) {
	q := &quota{memory: memory}
	at := q.String()
	period := quotaPeriod
	for _, s := range adapters {
		var tax []float64
		var seen, limit []time.Duration
		worst := 0.0
		for i, tr := range s.slow {
			tax = append(tax, float64(tr.listen)/float64(alone.slow[i].listen)-1)
			seen = append(seen, tr.seen())
			lim := max(2*time.Millisecond, tr.appStart()/50)
			limit = append(limit, lim)
			worst = max(worst, float64(tr.seen())/float64(lim))
		}
		medTax := median(tax)
		t.Logf("%s %s slow app: listen %v alone vs %v; seen %v; adapter CPU to first answer %v; sandbox %v",
			at, s.name, listens(alone.slow), listens(s.slow), seen, cpus(s.slow), useds(s.slow))
		record(t, fmt.Sprintf("%s, %s: start-up tax, app needing %s of CPU reaches listen() later than alone (Init start → listen)", at, s.name, slowStartCPU),
			fmt.Sprintf("median %+.1f%% (%s over %d rounds); adapter CPU exec → first answer median %s",
				medTax*100, spread(tax), len(tax), us(medianDur(cpus(s.slow)))),
			"≤ +2% at 128 MB", memory != 128 || medTax <= 0.02)
		record(t, fmt.Sprintf("%s, %s: slow app listen() → readiness request", at, s.name),
			fmt.Sprintf("median %s, max %s; worst %.2f of the limit max(2 ms, 2%% of the app's start: %s)",
				us(medianDur(seen)), us(summarize(seen).max), worst, us(medianDur(limit))),
			"within max(2 ms, 2% of the app's start)", worst <= 1)
	}
	for _, s := range adapters {
		var seen, added []time.Duration
		var periods []float64
		for i, tr := range s.quick {
			seen = append(seen, tr.seen())
			added = append(added, tr.answered-alone.quick[i].listen)
			periods = append(periods, float64(tr.used.throttled-alone.quick[i].used.throttled))
		}
		ss := summarize(seen)
		record(t, fmt.Sprintf("%s, %s: quick app listen() → readiness request", at, s.name),
			fmt.Sprintf("median %s, p90 %s, max %s (%d)", us(ss.p50), us(ss.p90), us(ss.max), ss.n),
			"≤ 2 ms (median)", ss.p50 <= 2*time.Millisecond)
		as := summarize(added)
		record(t, fmt.Sprintf("%s, %s: first invocation beyond the app's own start (quick app: first answer − listen() alone)", at, s.name),
			fmt.Sprintf("median %s (range %s–%s); periods throttled beyond alone's: median %.0f; cold start native %s",
				us(as.p50), us(as.min), us(as.max), median(periods), us(medianDur(answers(native.quick)))),
			"< one 100 ms period at 128 MB", memory != 128 || as.p50 < period)
	}
}

func listens(ts []startTrial) []time.Duration {
	var out []time.Duration
	for _, tr := range ts {
		out = append(out, tr.listen.Round(time.Millisecond))
	}
	return out
}

func cpus(ts []startTrial) []time.Duration {
	var out []time.Duration
	for _, tr := range ts {
		out = append(out, tr.adapterCPU)
	}
	return out
}

func answers(ts []startTrial) []time.Duration {
	var out []time.Duration
	for _, tr := range ts {
		out = append(out, tr.answered)
	}
	return out
}

func useds(ts []startTrial) []string {
	var out []string
	for _, tr := range ts {
		out = append(out, fmt.Sprintf("%s/%dthr", us(tr.used.cpu), tr.used.throttled))
	}
	return out
}
