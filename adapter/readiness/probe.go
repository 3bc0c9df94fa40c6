package readiness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
)

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
	p.dialer = net.Dialer{Timeout: AttemptLimit, KeepAlive: -1}
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
	ctx, cancel := context.WithTimeout(ctx, AttemptLimit)
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
	ctx, cancel := context.WithTimeout(ctx, AttemptLimit)
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
