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

// Readiness polling. A refused connection on loopback is cheap (docs/performance.md, section
// "Readiness"), so the check probes every millisecond while nothing listens: it sees the app almost
// as soon as it calls listen(). Once the app accepts connections, an unhealthy answer is retried less
// often, so a slow health endpoint is not hammered.
const (
	probeInterval     = time.Millisecond
	unhealthyInterval = 5 * time.Millisecond
	logPeriod         = 2 * time.Second
)

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
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last string
	for {
		select {
		case <-ctx.Done():
			if cfg.ReadinessCheckTimeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return &TimeoutError{Timeout: cfg.ReadinessCheckTimeout, Target: Target(cfg), Last: last}
			}
			return ctx.Err()
		case <-timer.C:
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
		if answered {
			timer.Reset(unhealthyInterval)
		} else {
			timer.Reset(probeInterval)
		}
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
