//go:build bench

package suite

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// stages are the parts of an invocation the adapter's CPU is split into, each named by the
// innermost function of a sampled stack that marks it. Samples with none of them are the Go
// runtime's own (scheduler and poller between stages, GC, sysmon) or "other".
var stages = []struct{ name, marker string }{
	{"next (Runtime API)", "lambdaapi.(*RuntimeClient).Next"},
	{"decode event", "adapter/event.Decode"},
	{"app request (h1)", "adapter.(*appClient).do"},
	{"app body read", "adapter.readBody"},
	{"encode response", "adapter/event.Encode"},
	{"respond (Runtime API)", "lambdaapi.(*RuntimeClient).Respond"},
	{"request building", "adapter.(*Adapter).prepare"},
	{"invocation, rest", "adapter.(*Adapter).handle"},
	{"GC", "runtime.gcBgMarkWorker"},
	{"GC", "runtime.bgsweep"},
	{"sysmon", "runtime.sysmon"},
	{"scheduler and poller", "runtime.mcall"},
}

// profileStages samples pid's stacks with perf while work runs and returns the share of the
// samples per stage and their number. bin is the binary pid runs: its stripped symbols are resolved through its pclntab with
// go tool addr2line, so the released binary itself is profiled.
func profileStages(ctx context.Context, t *testing.T, pid int, bin string, work func()) (map[string]float64, int) {
	t.Helper()
	perf := testenv.Tool(t, "perf")
	data := filepath.Join(t.TempDir(), "perf.data")
	rec := exec.CommandContext(ctx, perf, "record", "-q", "-F", "4999", "-g", "-o", data, "-p", strconv.Itoa(pid))
	var recOut bytes.Buffer
	rec.Stdout, rec.Stderr = &recOut, &recOut
	if err := rec.Start(); err != nil {
		t.Fatalf("perf record: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // perf attaches
	work()
	_ = rec.Process.Signal(os.Interrupt) // perf writes its data on SIGINT
	if err := rec.Wait(); err != nil && rec.ProcessState.ExitCode() != 0 && rec.ProcessState.ExitCode() != -1 {
		t.Fatalf("perf record: %v\n%s", err, recOut.String())
	}
	script, err := exec.CommandContext(ctx, perf, "script", "-i", data, "-F", "ip").Output()
	if err != nil {
		t.Fatalf("perf script: %v", err)
	}
	// Each sample is a block of "address symbol (dso)" lines, innermost frame first.
	var samples [][]uint64
	var cur []uint64
	sc := bufio.NewScanner(bytes.NewReader(script))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			if len(cur) > 0 {
				samples = append(samples, cur)
			}
			cur = nil
			continue
		}
		// User-space addresses only: the kernel's frames belong to the stage that called it.
		if a, err := strconv.ParseUint(f[0], 16, 64); err == nil && a < 1<<47 {
			cur = append(cur, a)
		}
	}
	if len(cur) > 0 {
		samples = append(samples, cur)
	}
	// perf prints the addresses of a binary it cannot open (it runs in the sandbox's mount
	// namespace) as offsets into the file: map them to addresses through the text segment.
	base, end := textSegment(t, bin)
	for _, smp := range samples {
		for i, a := range smp {
			if a < end-base {
				smp[i] = a + base
			}
		}
	}
	names := addr2line(ctx, t, bin, samples)
	share := map[string]float64{}
	for _, s := range samples {
		share[classify(s, names)]++
	}
	for k := range share {
		share[k] /= float64(len(samples))
	}
	return share, len(samples)
}

func classify(stack []uint64, names map[uint64]string) string {
	for _, a := range stack {
		fn := names[a]
		for _, st := range stages {
			if strings.Contains(fn, st.marker) {
				return st.name
			}
		}
	}
	return "other"
}

// textSegment returns the executable segment's address minus its file offset, and its end.
func textSegment(t *testing.T, bin string) (base, end uint64) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("read %s: %v", bin, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 {
			return p.Vaddr - p.Off, p.Vaddr + p.Memsz
		}
	}
	t.Fatalf("%s: no executable segment", bin)
	return 0, 0
}

// addr2line names every user-space address of the samples with go tool addr2line.
func addr2line(ctx context.Context, t *testing.T, bin string, samples [][]uint64) map[uint64]string {
	t.Helper()
	var addrs []uint64
	for _, s := range samples {
		addrs = append(addrs, s...)
	}
	slices.Sort(addrs)
	addrs = slices.Compact(addrs)
	var in bytes.Buffer
	for _, a := range addrs {
		fmt.Fprintf(&in, "%#x\n", a)
	}
	cmd := exec.CommandContext(ctx, "go", "tool", "addr2line", bin)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go tool addr2line: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != 2*len(addrs) {
		t.Fatalf("go tool addr2line: %d lines for %d addresses", len(lines), len(addrs))
	}
	names := make(map[uint64]string, len(addrs))
	for i, a := range addrs {
		names[a] = lines[2*i]
	}
	return names
}

// formatStages writes the stages' CPU per invocation, largest first.
func formatStages(share map[string]float64, perInvoke time.Duration) string {
	type kv struct {
		k string
		v float64
	}
	var all []kv
	for k, v := range share {
		all = append(all, kv{k, v})
	}
	slices.SortFunc(all, func(a, b kv) int {
		if a.v > b.v {
			return -1
		}
		if a.v < b.v {
			return 1
		}
		return strings.Compare(a.k, b.k)
	})
	var parts []string
	for _, e := range all {
		parts = append(parts, fmt.Sprintf("%s %s", e.k, us(time.Duration(e.v*float64(perInvoke)))))
	}
	return strings.Join(parts, ", ")
}
