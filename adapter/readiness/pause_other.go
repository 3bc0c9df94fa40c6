//go:build !linux

package readiness

import (
	"context"
	"time"
)

// pause sleeps between readiness checks on a Go timer (the timerfd of pause_linux.go is Linux's).
type pause struct {
	ctx context.Context
	goTimer
}

func newPause(ctx context.Context) *pause { return &pause{ctx: ctx} }

// wait sleeps for d, or until ctx ends (its error then). d <= 0 only checks ctx.
func (p *pause) wait(d time.Duration) error {
	if err := p.ctx.Err(); err != nil || d <= 0 {
		return err
	}
	return p.goTimer.wait(p.ctx, d)
}

func (p *pause) close() { p.goTimer.stop() }
