//go:build bench

package suite

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Lambda gives a function CPU in proportion to its memory: 1,769 MB is one vCPU.
const (
	mbPerVCPU   = 1769
	quotaPeriod = 100 * time.Millisecond // cpu.cfs_period_us, as in Lambda's measurements
	cgroupCPU   = "/sys/fs/cgroup/cpu"
	cgroupAcct  = "/sys/fs/cgroup/cpuacct"
)

// memorySizes reads LWA_BENCH_MEMORY ("128,512,1769"): the Lambda memory sizes to measure at.
func memorySizes(t *testing.T) []int {
	t.Helper()
	v := os.Getenv("LWA_BENCH_MEMORY")
	if v == "" {
		t.Fatal("LWA_BENCH_MEMORY is not set: give the memory sizes to measure at, e.g. LWA_BENCH_MEMORY=128,512,1769 (run.sh runs this test only then)")
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		mb, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || mb < 128 || mb > 10240 {
			t.Fatalf("LWA_BENCH_MEMORY=%q: %q is not a Lambda memory size in MB (128 to 10240)", v, f)
		}
		out = append(out, mb)
	}
	return out
}

// quota is one function's CPU share: a cgroup v1 cpu group with cfs_quota_us of memory/1769 of a
// period (and a cpuacct group beside it when cpuacct is mounted on its own). The unconstrained
// figures run in such a group too, with no quota (-1), so that every side is counted alike.
type quota struct {
	memory int      // MB; 0: unconstrained
	dirs   []string // the cgroup directories the sandbox joins
	cpu    string   // the cpu group ("" unconstrained)
	acct   string   // the group holding cpuacct.usage ("" unconstrained)
}

func (q *quota) String() string {
	if q.memory == 0 {
		return "unconstrained"
	}
	return fmt.Sprintf("%d MB", q.memory)
}

// quotaMicros is memory's CPU quota per period in microseconds.
func quotaMicros(memory int) int64 {
	return (int64(memory)*quotaPeriod.Microseconds() + mbPerVCPU/2) / mbPerVCPU
}

// newQuota makes the cgroups for memory MB (removed when the test ends); memory 0: no quota.
func newQuota(t *testing.T, memory int, name string) *quota {
	t.Helper()
	q := &quota{memory: memory}
	if _, err := os.Stat(filepath.Join(cgroupCPU, "cpu.cfs_quota_us")); err != nil {
		t.Fatalf("LWA_BENCH_MEMORY needs the cgroup v1 cpu controller at %s (cpu.cfs_quota_us: %v): mount it (mount -t cgroup -o cpu cgroup %s) or unset LWA_BENCH_MEMORY", cgroupCPU, err, cgroupCPU)
	}
	leaf := fmt.Sprintf("lwa-bench-%d-%s-%d", os.Getpid(), name, memory)
	q.cpu = filepath.Join(cgroupCPU, leaf)
	mkCgroup(t, q.cpu)
	writeCgroup(t, q.cpu, "cpu.cfs_period_us", strconv.FormatInt(quotaPeriod.Microseconds(), 10))
	limit := int64(-1)
	if memory > 0 {
		limit = quotaMicros(memory)
	}
	writeCgroup(t, q.cpu, "cpu.cfs_quota_us", strconv.FormatInt(limit, 10))
	q.dirs = []string{q.cpu}
	q.acct = q.cpu
	if _, err := os.Stat(filepath.Join(q.cpu, "cpuacct.usage")); err != nil {
		if _, err := os.Stat(filepath.Join(cgroupAcct, "cpuacct.usage")); err != nil {
			t.Fatalf("LWA_BENCH_MEMORY needs the cgroup v1 cpuacct controller (with cpu, or at %s): %v", cgroupAcct, err)
		}
		q.acct = filepath.Join(cgroupAcct, leaf)
		mkCgroup(t, q.acct)
		q.dirs = append(q.dirs, q.acct)
	}
	return q
}

func mkCgroup(t *testing.T, dir string) {
	t.Helper()
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatalf("create cgroup (root and a writable cgroup v1 hierarchy needed): %v", err)
	}
	t.Cleanup(func() {
		// The sandboxes are stopped by cleanups registered later, which run first; a task still
		// exiting keeps the group busy for a moment.
		for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			err := os.Remove(dir)
			if err == nil || os.IsNotExist(err) {
				return
			}
			if time.Now().After(end) {
				t.Errorf("remove cgroup %s: %v (tasks: %s)", dir, err, readCgroup(t, dir, "cgroup.procs"))
				return
			}
		}
	})
}

func writeCgroup(t *testing.T, dir, file, value string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(value), 0o644); err != nil {
		t.Fatalf("cgroup %s: %v", filepath.Join(dir, file), err)
	}
}

func readCgroup(t *testing.T, dir, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatalf("cgroup: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// usage is what the group has used so far: CPU time and the periods it was throttled in.
type usage struct {
	cpu       time.Duration
	throttled int64
}

func (q *quota) usage(t *testing.T) usage {
	t.Helper()
	ns, err := strconv.ParseInt(readCgroup(t, q.acct, "cpuacct.usage"), 10, 64)
	if err != nil {
		t.Fatalf("cpuacct.usage: %v", err)
	}
	var thr int64
	for _, l := range strings.Split(readCgroup(t, q.cpu, "cpu.stat"), "\n") {
		if k, v, ok := strings.Cut(l, " "); ok && k == "nr_throttled" {
			thr, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return usage{cpu: time.Duration(ns), throttled: thr}
}

func (u usage) sub(v usage) usage {
	return usage{cpu: u.cpu - v.cpu, throttled: u.throttled - v.throttled}
}

// taskCPU is the CPU time every thread of pid has used so far, in nanoseconds, from
// /proc/PID/task/*/schedstat: exact, where /proc/PID/stat counts 10 ms clock ticks.
func taskCPU(pid int) (time.Duration, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("threads of %d: %w", pid, err)
	}
	var sum time.Duration
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "schedstat"))
		if err != nil {
			continue // the thread ended meanwhile
		}
		f := bytes.Fields(b)
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("schedstat of %d: %w", pid, err)
		}
		sum += time.Duration(ns)
	}
	return sum, nil
}

// pidsNamed lists the processes named comm in cgroup dir, by host PID (the sandboxes run in their
// own PID namespaces).
func pidsNamed(comm, dir string) []int {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		name, err := os.ReadFile(filepath.Join("/proc", f, "comm"))
		if err != nil || strings.TrimSpace(string(name)) != comm {
			continue
		}
		if p, err := strconv.Atoi(f); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// cpuOf sums taskCPU over the processes named comm in cgroup dir.
func cpuOf(comm, dir string) time.Duration {
	var sum time.Duration
	for _, p := range pidsNamed(comm, dir) {
		if c, err := taskCPU(p); err == nil {
			sum += c
		}
	}
	return sum
}

// memorySize is the AWS_LAMBDA_FUNCTION_MEMORY_SIZE the sandbox is told: 1024 (the suite's usual
// figure) without a quota.
func (q *quota) memorySize() int {
	if q == nil || q.memory == 0 {
		return 1024
	}
	return q.memory
}

// cgroups are the directories the sandbox joins (none for a nil quota).
func (q *quota) cgroups() []string {
	if q == nil {
		return nil
	}
	return q.dirs
}
