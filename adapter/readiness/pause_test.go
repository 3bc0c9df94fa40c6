package readiness

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPauseWaitsAtLeastTheDelay(t *testing.T) {
	p := newPause(context.Background())
	defer p.close()
	for _, d := range []time.Duration{0, 300 * time.Microsecond, 1500 * time.Microsecond, 20 * time.Millisecond} {
		start := time.Now()
		if err := p.wait(d); err != nil {
			t.Fatalf("wait(%s): %v", d, err)
		}
		if got := time.Since(start); got < d {
			t.Errorf("wait(%s) returned after %s", d, got)
		}
	}
}

func TestPauseEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := newPause(ctx)
	defer p.close()
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	if err := p.wait(time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait after cancel: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a wait of a minute ended %s after it began, not at the cancel", d)
	}
	// Once ended, every wait says so at once, even a zero one.
	for _, d := range []time.Duration{0, time.Minute} {
		if err := p.wait(d); !errors.Is(err, context.Canceled) {
			t.Errorf("wait(%s) after the end: %v", d, err)
		}
	}
}

func TestPauseEndsWithDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	p := newPause(ctx)
	defer p.close()
	if err := p.wait(time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait past the deadline: %v, want context.DeadlineExceeded", err)
	}
}
