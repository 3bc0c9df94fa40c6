//go:build bench

package suite

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// TestFloor measures what this machine charges for work no implementation of the adapter can skip,
// so that the adapter's start and its readiness checks stand beside their floors in the same run:
//
//   - an empty Go program's CPU from exec to its main: what any Go program pays to start here;
//   - one readiness check with no language runtime at all (scripts/bench/floor/check.c: a timer
//     wake-up and a sock_diag request), and the wake-up alone, without a quota and under each
//     LWA_BENCH_MEMORY quota.
//
// From these it works out, for each memory size, the least CPU any adapter written in Go must spend
// while issue 20's slow app (300 ms of its own CPU) starts: its own start, plus one check per
// period of the app's start at the very least (seeing the app within its bound, 2% of that start,
// takes a check in every stretch that long, more than one a period at 128 MB; the count allows for
// a quota that merged every check due within a period). Set against the 2% start-up tax budget
// (2% of the app's 300 ms), it says whether that goal can be met on this machine at all.
func TestFloor(t *testing.T) {
	goStart := summarize(emptyGoStart(t))
	record(t, "floor: an empty Go program, CPU from exec to its main (any Go program's start here)",
		fmt.Sprintf("median %s (min %s, p90 %s, %d runs)", us(goStart.p50), us(goStart.min), us(goStart.p90), goStart.n),
		"≤ 1 ms (the adapter start goal: no Go program starts for less)", goStart.p50 <= time.Millisecond)
	// Without LWA_BENCH_MEMORY the suite needs no cgroups: the unconstrained floor then runs in
	// none.
	quotas := []*quota{nil}
	if os.Getenv("LWA_BENCH_MEMORY") != "" {
		quotas = []*quota{newQuota(t, 0, "floor")}
		for _, m := range memorySizes(t) {
			quotas = append(quotas, newQuota(t, m, "floor"))
		}
	}
	for _, q := range quotas {
		check, wake := checkFloor(t, q, false), checkFloor(t, q, true)
		name := "unconstrained"
		if q != nil {
			name = q.String()
		}
		record(t, name+": floor of one readiness check with no runtime (C: timer wake-up + sock_diag request)",
			fmt.Sprintf("%s of CPU (the timer wake-up alone %s)", us(check), us(wake)), "— (floor)", true)
		if q == nil || q.memory == 0 {
			continue
		}
		m := q.memory
		// The app's start in wall time, stretched by the share, and the fewest checks that can
		// see it within its seen bound (2% of that start), even were every check due within one
		// period merged into one: one per period, or one per bound where the bound is the longer.
		appWall := slowStartCPU * mbPerVCPU / time.Duration(m)
		checks := int64(appWall/max(quotaPeriod, appWall/50)) + 1
		// The least start seen, not the median: a bound no run of a Go program went under.
		least := goStart.min + time.Duration(checks)*check
		budget := slowStartCPU / 50
		record(t, name+": least CPU any Go adapter spends while a 300 ms app starts (least Go start + one check per period × the floor)",
			fmt.Sprintf("%s = %s + %d × %s, against the 2%% budget %s (%.2f×)", us(least), us(goStart.min), checks, us(check), us(budget), float64(least)/float64(budget)),
			"≤ the budget (else no Go implementation meets the ≤ +2% start-up tax here)", least <= budget)
	}
}

// emptyGoStart runs the empty Go program, which prints its CPU (every thread) when its main begins.
func emptyGoStart(t *testing.T) []time.Duration {
	t.Helper()
	const runs = 41
	var cpu []time.Duration
	for range runs {
		out, err := exec.Command(bins.emptyGo).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", bins.emptyGo, err, out)
		}
		micros, err := strconv.ParseInt(string(out), 10, 64)
		if err != nil {
			t.Fatalf("%s printed %q, not microseconds", bins.emptyGo, out)
		}
		cpu = append(cpu, time.Duration(micros)*time.Microsecond)
	}
	return cpu
}

// checkFloor runs scripts/bench/floor/check.c inside q's cgroups (a shell joins them, then execs it)
// and returns its CPU per iteration: 40 iterations a quota period apart, the spacing the least-CPU
// figure counts (a check costs less when checks come closer: the CPU and its caches stay awake).
// wake: the timer wake-up alone.
func checkFloor(t *testing.T, q *quota, wake bool) time.Duration {
	t.Helper()
	args := []string{"40", strconv.Itoa(int(quotaPeriod)), strconv.Itoa(testenv.FreePort(t))}
	if wake {
		args = append(args, "wake")
	}
	script := `for d in $LWA_BENCH_CGROUPS; do echo $$ > "$d/cgroup.procs" || exit 1; done; exec "$@"`
	cmd := exec.Command("sh", append([]string{"-c", script, "sh", bins.checkFloor}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LWA_BENCH_CGROUPS=" + strings.Join(q.cgroups(), " ")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", bins.checkFloor, strings.Join(args, " "), err, out)
	}
	micros, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("%s printed %q, not microseconds per iteration", bins.checkFloor, out)
	}
	return time.Duration(micros * float64(time.Microsecond))
}
