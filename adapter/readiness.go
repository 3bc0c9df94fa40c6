package adapter

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/internal/schedule"
)

// Readiness polling: when to check next is schedule.Default's (adapter/internal/schedule), every
// millisecond while the app could still be quick, then at a fraction of the time waited, so that
// the checks take little of the CPU a slowly starting app needs on a fraction of a vCPU; the waits
// between checks are pause's (pause_linux.go).
const (
	probeAttemptLimit  = 2 * time.Second // an app that accepts but never answers does not hang the check
	readinessLogPeriod = 2 * time.Second
)

// readinessTarget is what the check probes, for messages: a URL, or tcp://host:port.
func (a *Adapter) readinessTarget() string {
	if a.cfg.ReadinessCheckProtocol == config.ProtocolTCP {
		return "tcp://" + a.cfg.ReadinessAddr()
	}
	return "http://" + a.cfg.ReadinessAddr() + a.cfg.ReadinessCheckPath
}

// waitReady blocks until the app passes the readiness check, ctx ends, or
// AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS passes (an *initError naming the URL and the last result).
func (a *Adapter) waitReady(ctx context.Context) error {
	start := time.Now()
	if a.cfg.ReadinessCheckTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.cfg.ReadinessCheckTimeout)
		defer cancel()
	}
	p := newProber(a.cfg)
	defer p.close()
	nextLog := start.Add(readinessLogPeriod)
	sched := schedule.Default()
	pause := newPause(ctx)
	defer pause.close()
	var delay time.Duration
	var last string
	for {
		if err := pause.wait(delay); err != nil {
			if a.cfg.ReadinessCheckTimeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return &initError{errType: errTypeReadiness, err: fmt.Errorf(
					"app not ready after %s (AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS): %s: last result: %s",
					a.cfg.ReadinessCheckTimeout, a.readinessTarget(), last)}
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
			a.log.Info(fmt.Sprintf("app is not ready after %dms", now.Sub(start).Milliseconds()),
				"url", a.readinessTarget(), "last", last)
			nextLog = nextLog.Add(readinessLogPeriod)
		}
		delay = sched.Next(time.Since(start), answered)
	}
}

// prober runs single readiness attempts.
type prober struct {
	cfg    config.Config
	addr   string
	url    string
	dialer net.Dialer
	tcp    *tcpProbe // nil: the address is a name, dial it normally

	lastErr    error // the last connect error and its wording
	lastResult string
}

func newProber(cfg config.Config) *prober {
	p := &prober{cfg: cfg, addr: cfg.ReadinessAddr()}
	p.url = "http://" + p.addr + cfg.ReadinessCheckPath
	p.dialer = net.Dialer{Timeout: probeAttemptLimit, KeepAlive: -1}
	p.tcp = newTCPProbe(p.addr)
	return p
}

func (p *prober) close() {
	if p.tcp != nil {
		p.tcp.close()
	}
}

// probe makes one attempt. answered reports that the app accepted the connection (even if unhealthy).
func (p *prober) probe(ctx context.Context) (healthy bool, result string, answered bool) {
	// A bare TCP connect first: cheap while the app is not listening yet, and all the TCP mode needs.
	conn, err := p.connect(ctx)
	if err != nil {
		if err != p.lastErr { // the same refusal every time while the app starts: word it once
			p.lastErr, p.lastResult = err, "connect: "+trimOpError(err)
		}
		return false, p.lastResult, false
	}
	defer conn.Close()
	if p.cfg.ReadinessCheckProtocol == config.ProtocolTCP {
		return true, "connected", true
	}
	// The GET goes over that connection: one handshake fewer between the app's listen() and Init's end.
	ctx, cancel := context.WithTimeout(ctx, probeAttemptLimit)
	defer cancel()
	resp, err := p.get(ctx, conn)
	if err != nil {
		return false, "GET: " + trimOpError(err), true
	}
	if p.cfg.HealthyStatus.Contains(resp.StatusCode) {
		return true, resp.Status, true
	}
	return false, fmt.Sprintf("status %d (healthy: %s)", resp.StatusCode, p.cfg.HealthyStatus), true
}

func (p *prober) connect(ctx context.Context) (net.Conn, error) {
	if p.tcp != nil {
		c, err := p.tcp.connect()
		if err != errProbeInProgress { // returned as is; errors.Is would walk every refusal's chain
			return c, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, probeAttemptLimit)
	defer cancel()
	return p.dialer.DialContext(ctx, "tcp", p.addr)
}

// get sends GET url on conn and reads the response head; ctx ends the wait. A redirect answer is an
// answer: its status decides, as in the Rust adapter.
func (p *prober) get(ctx context.Context, conn net.Conn) (*http.Response, error) {
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return nil, err
	}
	req.Close = true
	if err := req.Write(conn); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close() // the connection closes with the attempt: nothing to drain
	return resp, nil
}

// trimOpError drops the address noise from net errors: "dial tcp 127.0.0.1:8080: connect: connection
// refused" → "connection refused".
func trimOpError(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// checkAppAfterTimeout makes one readiness attempt after an invocation the app did not finish
// before its deadline. The adapter reports such an invocation itself, just before Lambda's own
// timeout, so Lambda does not reset the environment as its timeout would. An app that still answers
// its readiness check was merely slow; one that does not (a blocked event loop, a deadlock, every
// worker stuck) would stay so and fail every later invocation, so the adapter stops polling and
// exits, and Lambda starts a new environment, as after its own timeout. In TCP mode an app that
// still accepts connections passes.
func (a *Adapter) checkAppAfterTimeout(log *slog.Logger, requestID string) {
	ctx, cancel := context.WithTimeout(context.Background(), probeAttemptLimit)
	defer cancel()
	p := newProber(a.cfg)
	defer p.close()
	healthy, result, _ := p.probe(ctx)
	if healthy {
		log.Warn("app still passes its readiness check after a timed-out invocation; serving on", "requestId", requestID)
		return
	}
	err := fmt.Errorf("app fails its readiness check (%s: %s) after invocation %s timed out: it is hung; exiting so that Lambda starts a new environment",
		a.readinessTarget(), result, requestID)
	log.Error("app is not answering", "error", err)
	if a.hungErr.CompareAndSwap(nil, &err) && a.stopPolling != nil {
		a.stopPolling()
	}
}
