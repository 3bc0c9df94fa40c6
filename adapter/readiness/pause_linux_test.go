package readiness

import (
	"context"
	"testing"
	"time"
)

func TestPauseUsesTimerfd(t *testing.T) {
	p := newPause(context.Background())
	defer p.close()
	if p.f == nil {
		t.Fatal("no timerfd: the readiness check would fall back to Go timers")
	}
}

// TestPauseAllocatesNothing: the readiness check waits hundreds of times while an app starts; its
// waits must not leave garbage for a collection to sweep on a fraction of a vCPU.
func TestPauseAllocatesNothing(t *testing.T) {
	p := newPause(context.Background())
	defer p.close()
	if n := testing.AllocsPerRun(20, func() { _ = p.wait(10 * time.Microsecond) }); n != 0 {
		t.Errorf("%v allocations per wait, want 0", n)
	}
}
