package readiness

import (
	"context"
	"time"
)

// goTimer is the plain wait between readiness checks: where there is no timerfd (pause_linux.go).
type goTimer struct{ tm *time.Timer }

func (g *goTimer) wait(ctx context.Context, d time.Duration) error {
	if g.tm == nil {
		g.tm = time.NewTimer(d)
	} else {
		g.tm.Reset(d)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-g.tm.C:
		return nil
	}
}

func (g *goTimer) stop() {
	if g.tm != nil {
		g.tm.Stop()
	}
}
