package local

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/lwa-go/lwa/internal/lambdaemu"
)

// reportLines are Lambda's END and REPORT lines for one invocation. Init Duration appears on the
// first invocation of an environment only, as in Lambda; Max Memory Used only where it can be
// measured (peakMemoryMB).
func reportLines(env *environment, res *lambdaemu.Result, o lambdaemu.Outcome) string {
	d := o.End.Sub(res.Started)
	ms := float64(d) / float64(time.Millisecond)
	var b strings.Builder
	if o.TimedOut {
		fmt.Fprintf(&b, "%s %s Task timed out after %.2f seconds\n", o.End.UTC().Format(time.RFC3339Nano), res.RequestID, env.o.Timeout.Seconds())
	}
	fmt.Fprintf(&b, "END RequestId: %s\n", res.RequestID)
	fmt.Fprintf(&b, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB",
		res.RequestID, ms, int64(math.Ceil(ms)), env.o.MemoryMB)
	if mb, ok := env.mem.peakMemoryMB(env.pids()); ok {
		fmt.Fprintf(&b, "\tMax Memory Used: %d MB", mb)
	}
	if env.initReported.CompareAndSwap(false, true) {
		fmt.Fprintf(&b, "\tInit Duration: %.2f ms", float64(env.initDuration)/float64(time.Millisecond))
	}
	if o.TimedOut {
		b.WriteString("\tStatus: timeout")
	}
	b.WriteString("\n")
	return b.String()
}

// memProbe remembers an environment's process tree between REPORT lines.
type memProbe struct {
	mu      sync.Mutex
	pids    []int
	scanned time.Time
}

func (e *environment) pids() []int {
	var out []int
	for _, p := range []*process{e.adapter, e.app} {
		if p != nil && p.cmd.Process != nil {
			out = append(out, p.cmd.Process.Pid)
		}
	}
	return out
}
