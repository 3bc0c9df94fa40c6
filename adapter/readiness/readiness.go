// Package readiness decides when the web app can take requests: it polls the app's address (a TCP
// connect, then a GET of the readiness path in HTTP mode) until the app passes, as configured by
// the AWS_LWA_READINESS_CHECK_* variables. It depends only on config.
package readiness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
)

// When to check next is Schedule's (schedule.go): every millisecond while the app could still be
// quick, then at a fraction of the time waited, so that the checks take little of the CPU a slowly
// starting app needs on a fraction of a vCPU. The waits between checks are pause's (pause_linux.go).
const logPeriod = 2 * time.Second

// AttemptLimit bounds one attempt: an app that accepts but never answers does not hang the check.
const AttemptLimit = 2 * time.Second

// TimeoutError is a check that AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS ended: it names what was
// probed and the last result.
type TimeoutError struct {
	Timeout time.Duration
	Target  string // Target(cfg)
	Last    string // the last attempt's result
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("app not ready after %s (AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS): %s: last result: %s",
		e.Timeout, e.Target, e.Last)
}

// Target is what the check probes, for messages: a URL, or tcp://host:port.
func Target(cfg config.Config) string {
	if cfg.ReadinessCheckProtocol == config.ProtocolTCP {
		return "tcp://" + cfg.ReadinessAddr()
	}
	return "http://" + cfg.ReadinessAddr() + cfg.ReadinessCheckPath
}

// Wait blocks until the app passes the readiness check, ctx ends (ctx's error), or
// AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS passes (a *TimeoutError). It logs progress every two seconds.
func Wait(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	start := time.Now()
	if cfg.ReadinessCheckTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.ReadinessCheckTimeout)
		defer cancel()
	}
	p := newProber(cfg)
	defer p.close()
	nextLog := start.Add(logPeriod)
	sched := DefaultSchedule()
	pause := newPause(ctx)
	defer pause.close()
	var delay time.Duration
	var last string
	for {
		if err := pause.wait(delay); err != nil {
			if cfg.ReadinessCheckTimeout > 0 && errors.Is(err, context.DeadlineExceeded) {
				return &TimeoutError{Timeout: cfg.ReadinessCheckTimeout, Target: Target(cfg), Last: last}
			}
			return err
		}
		healthy, result, answered := p.probe(ctx)
		if healthy {
			return nil
		}
		// An attempt cut short by the overall timeout says nothing new. The dial's socket deadline
		// can fire before ctx's own timer, so look at the clock, not only at ctx.Err().
		deadline, bounded := ctx.Deadline()
		if cut := ctx.Err() != nil || bounded && !time.Now().Before(deadline); !cut || last == "" {
			last = result
		}
		if now := time.Now(); now.After(nextLog) {
			log.Info(fmt.Sprintf("app is not ready after %dms", now.Sub(start).Milliseconds()),
				"url", Target(cfg), "last", last)
			nextLog = nextLog.Add(logPeriod)
		}
		delay = sched.Next(time.Since(start), answered)
	}
}

// Check makes one attempt, bounded by AttemptLimit, and says whether the app passed and what it
// answered (for messages).
func Check(ctx context.Context, cfg config.Config) (healthy bool, result string) {
	ctx, cancel := context.WithTimeout(ctx, AttemptLimit)
	defer cancel()
	p := newProber(cfg)
	defer p.close()
	healthy, result, _ = p.probe(ctx)
	return healthy, result
}
