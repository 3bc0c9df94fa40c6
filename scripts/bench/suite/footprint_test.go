//go:build bench

package suite

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFootprint measures the adapter's resident memory idle after Init and along 10,000 sequential
// 1 KB invocations (in-test Runtime API, app on loopback). Goals: at most 12 MB, and no growth:
// the last reading at most 1 MB above the one after 2,000 invocations, once heaps have settled.
func TestFootprint(t *testing.T) {
	const total = 10000
	checkpoints := map[int]bool{1000: true, 2000: true, 5000: true, total: true}
	ctx := context.Background()
	app := startApp(t)
	f := startFakeFunction(t, app)
	deadline := time.Now().Add(10 * time.Second)
	for f.api.NextPolls() == 0 {
		if time.Now().After(deadline) || f.proc.exited() {
			t.Fatalf("the adapter never asked for an invocation:\n%s", f.proc.logs.String())
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // idle: Init is over, the adapter waits in /next
	idle := rss(t, f)
	t.Logf("idle after Init: RSS %s (%s)", mb(idle), rssParts(f))
	readings := map[int]int64{}
	start := time.Now()
	for i := 1; i <= total; i++ {
		if err := f.invoke(ctx); err != nil {
			t.Fatalf("invocation %d: %v", i, err)
		}
		if checkpoints[i] {
			readings[i] = rss(t, f)
			t.Logf("after %5d invocations: RSS %s (%s)", i, mb(readings[i]), rssParts(f))
		}
	}
	t.Logf("%d invocations in %s", total, time.Since(start).Round(time.Millisecond))
	peak, err := procStatus(f.proc.pid(), "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	threads, _ := procStatus(f.proc.pid(), "Threads")
	t.Logf("peak RSS %s, %d threads", mb(peak), threads)
	last := readings[total]
	growth := last - readings[2000]
	record(t, "idle RSS after Init", mb(idle), "≤ 12 MB", idle <= 12e6)
	record(t, fmt.Sprintf("RSS after %d invocations (1 KB)", total),
		fmt.Sprintf("%s (after 1k %s, 2k %s, 5k %s; peak %s; %+.2f MB from 2k to 10k)",
			mb(last), mb(readings[1000]), mb(readings[2000]), mb(readings[5000]), mb(peak), float64(growth)/1e6),
		"≤ 12 MB, no growth", last <= 12e6 && growth <= 1e6)
}

func rss(t *testing.T, f *fakeFunction) int64 {
	t.Helper()
	n, err := procStatus(f.proc.pid(), "VmRSS")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// rssParts splits resident memory into the binary's pages (file-backed) and the heap, stacks and
// runtime (anonymous), from /proc/PID/smaps_rollup.
func rssParts(f *fakeFunction) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", f.proc.pid()))
	if err != nil {
		return err.Error()
	}
	var rss, anon int64
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "Rss":
			rss = n << 10
		case "Anonymous":
			anon = n << 10
		}
	}
	return fmt.Sprintf("binary %s, anonymous %s", mb(rss-anon), mb(anon))
}
