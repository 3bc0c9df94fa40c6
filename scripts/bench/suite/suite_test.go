//go:build bench

// Package suite is the system half of the performance suite (scripts/bench/run.sh): the real
// lambda-adapter binary under the real RIE, or under an in-test Runtime API, measured side by side
// with a floor in the same run. Each test logs its figures and appends a row to the results file
// named by LWA_BENCH_RESULTS. A missed goal is reported, not failed: the figures are the output.
// Errors (an invocation that fails, a process that dies) fail the test.
package suite

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// bins are the binaries built once for the whole run (see TestMain).
var bins struct {
	adapter string // lambda-adapter for this machine, stripped as released
	native  string // scripts/bench/native
	slowapp string // scripts/bench/slowapp

	emptyGo    string // scripts/bench/floor/emptygo, static and stripped as the adapter is
	checkFloor string // scripts/bench/floor/check.c, compiled with the machine's cc
}

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, "lwa-bench-bin-", func(root, dir string) (err error) {
		// LWA_BENCH_ADAPTER runs the suite against a prebuilt binary: a before/after comparison.
		if bins.adapter = os.Getenv("LWA_BENCH_ADAPTER"); bins.adapter == "" {
			if bins.adapter, err = testenv.BuildAdapter(root, dir, "bench"); err != nil {
				return err
			}
		}
		bins.native = filepath.Join(dir, "native")
		bins.slowapp = filepath.Join(dir, "slowapp")
		bins.emptyGo = filepath.Join(dir, "emptygo")
		for _, b := range []struct{ out, pkg, tags string }{
			{bins.native, "./scripts/bench/native", "lambda.norpc"},
			{bins.slowapp, "./scripts/bench/slowapp", ""},
			{bins.emptyGo, "./scripts/bench/floor/emptygo", ""},
		} {
			cmd := exec.Command("go", "build", "-tags", b.tags, "-trimpath", "-ldflags", "-s -w", "-o", b.out, b.pkg)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("build %s: %w\n%s", b.pkg, err, out)
			}
		}
		bins.checkFloor = filepath.Join(dir, "checkfloor")
		cc, err := exec.LookPath("cc")
		if err != nil {
			return fmt.Errorf("the floor of a readiness check is C, compiled with cc: %w (scripts/install-tools.sh bench installs gcc)", err)
		}
		cmd := exec.Command(cc, "-O2", "-Wall", "-Werror", "-o", bins.checkFloor, "scripts/bench/floor/check.c")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("compile scripts/bench/floor/check.c: %w\n%s", err, out)
		}
		return nil
	}))
}

// verdict is "met" or "MISSED".
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

var resultsMu sync.Mutex

// record logs one measure and appends it to the results file as a Markdown table row.
func record(t *testing.T, measure, figure, goal string, ok bool) {
	t.Helper()
	row := fmt.Sprintf("| %s | %s | %s | %s |", measure, figure, goal, verdict(ok))
	t.Log(row)
	path := os.Getenv("LWA_BENCH_RESULTS")
	if path == "" {
		return
	}
	resultsMu.Lock()
	defer resultsMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("results file: %v", err)
		return
	}
	defer f.Close()
	if _, err := fmt.Fprintln(f, row); err != nil {
		t.Errorf("results file: %v", err)
	}
}

// quantile returns the q-quantile of sorted (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// summary is the usual view of a latency sample.
type summary struct {
	n                  int
	min, p50, p90, p99 time.Duration
	max                time.Duration
}

func summarize(d []time.Duration) summary {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return summary{}
	}
	return summary{n: len(s), min: s[0], p50: quantile(s, 0.50), p90: quantile(s, 0.90), p99: quantile(s, 0.99), max: s[len(s)-1]}
}

func (s summary) String() string {
	return fmt.Sprintf("n=%d min=%s p50=%s p90=%s p99=%s max=%s", s.n, us(s.min), us(s.p50), us(s.p90), us(s.p99), us(s.max))
}

// us formats a duration in microseconds, the unit these figures live in.
func us(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 0, 64) + "µs"
}

func mb(bytes int64) string {
	return strconv.FormatFloat(float64(bytes)/1e6, 'f', 2, 64) + " MB"
}

// procCPU is the CPU time (user + system, every thread) the process has used so far, from
// /proc/PID/stat (clock ticks, 10 ms on Linux).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("read stat: %w", err)
	}
	// The command name (field 2) may hold spaces; fields resume after its closing parenthesis.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat times", pid)
	}
	const userHZ = 100 // sysconf(_SC_CLK_TCK) on every Linux Lambda runs
	return time.Duration(ut+st) * time.Second / userHZ, nil
}

// procStatus reads one "Key: value kB" line of /proc/PID/status, in bytes (or the bare number).
func procStatus(pid int, key string) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read status: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != key {
			continue
		}
		fields := strings.Fields(v)
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse %s: %w", key, err)
		}
		if len(fields) > 1 && fields[1] == "kB" {
			n *= 1024
		}
		return n, nil
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, key)
}

// cores is the number of CPUs this run may use.
func cores() int { return runtime.NumCPU() }

// cpuByName sums the CPU time of every process whose name (comm) is one of names. Processes in the
// RIEs' PID namespaces are visible here under their host PIDs.
func cpuByName(names ...string) map[string]time.Duration {
	out := map[string]time.Duration{}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(comm))
		if !slices.Contains(names, name) {
			continue
		}
		if c, err := procCPU(pid); err == nil {
			out[name] += c
		}
	}
	return out
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// spread is the range of fractions as percentages: "+1.0% to +3.2%".
func spread(xs []float64) string {
	if len(xs) == 0 {
		return "none"
	}
	return fmt.Sprintf("%+.1f%% to %+.1f%%", slices.Min(xs)*100, slices.Max(xs)*100)
}
