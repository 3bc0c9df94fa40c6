package local

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// peakMemoryMB is the REPORT line's Max Memory Used: the sum of the peak resident set (VmHWM) of
// each process in the trees rooted at roots. Each process's peak may come at a different moment,
// so the sum is an upper bound of the environment's peak, where Lambda measures the sandbox's.
// Finding the trees walks every thread's children in /proc, which costs milliseconds with a
// many-threaded app, so the tree is found again at most once a second; reading each peak is cheap.
func (m *memProbe) peakMemoryMB(roots []int) (int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if time.Since(m.scanned) > time.Second {
		m.pids = tree(roots)
		m.scanned = time.Now()
	}
	var kb int64
	for _, pid := range m.pids {
		if v, ok := vmHWM(pid); ok {
			kb += v
		}
	}
	if kb == 0 {
		return 0, false
	}
	return int((kb + 1023) / 1024), true
}

func tree(roots []int) []int {
	var out []int
	seen := map[int]bool{}
	for len(roots) > 0 {
		pid := roots[0]
		roots = roots[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		out = append(out, pid)
		roots = append(roots, children(pid)...)
	}
	return out
}

func vmHWM(pid int) (int64, bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return v, err == nil
		}
	}
	return 0, false
}

func children(pid int) []int {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}
