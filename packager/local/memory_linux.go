package local

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// peakMemoryMB is the REPORT line's Max Memory Used: the sum of the peak resident set (VmHWM) of
// each process in the trees rooted at pids. Each process's peak may come at a different moment,
// so the sum is an upper bound of the environment's peak, where Lambda measures the sandbox's.
func peakMemoryMB(pids []int) (int, bool) {
	var kb int64
	seen := map[int]bool{}
	for len(pids) > 0 {
		pid := pids[0]
		pids = pids[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		if v, ok := vmHWM(pid); ok {
			kb += v
		}
		pids = append(pids, children(pid)...)
	}
	if len(seen) == 0 || kb == 0 {
		return 0, false
	}
	return int((kb + 1023) / 1024), true
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
