package readiness

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
)

// TestListenCheck compares the kernel lookup with what a connect would find, for the listeners an
// app may open: on the address itself, on the wildcard, and dual-stack on [::].
func TestListenCheck(t *testing.T) {
	for _, tc := range []struct{ listen, check string }{
		{"tcp4", "127.0.0.1"},
		{"tcp4", "0.0.0.0"},
		{"tcp", "[::]"}, // dual-stack: 127.0.0.1 reaches it
	} {
		t.Run(tc.listen+" "+tc.check, func(t *testing.T) {
			l, err := net.Listen(tc.listen, tc.check+":0")
			if err != nil {
				t.Fatal(err)
			}
			port := uint16(l.Addr().(*net.TCPAddr).Port)
			c := newListenCheck(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port))
			if c == nil {
				t.Fatal("no sock_diag on this kernel")
			}
			defer c.close()
			if up, err := c.listening(); err != nil || !up {
				t.Fatalf("listening on %s: %v, %v; want true", l.Addr(), up, err)
			}
			l.Close()
			if up, err := c.listening(); err != nil || up {
				t.Fatalf("after close: %v, %v; want false", up, err)
			}
		})
	}
	if c := newListenCheck(netip.MustParseAddrPort("192.0.2.1:80")); c != nil {
		t.Error("a check for a non-loopback address: the kernel's table does not know remote listeners")
	}
}

// TestTCPProbeConnectsDespiteDiag: a listener the lookup cannot see (simulated: the check asks
// about another, closed port) is still found by the connect that comes every diagConnectEvery
// checks; a check that fails is dropped for good.
func TestTCPProbeConnectsDespiteDiag(t *testing.T) {
	l := silentListener(t)
	blind := newListenCheck(netip.MustParseAddrPort(closedAddr(t)))

	p := newTCPProbe(l.Addr().String())
	defer p.close()
	p.diag.close()
	p.diag = blind
	for i := 1; ; i++ {
		c, err := p.connect()
		if err == nil {
			c.Close()
			if i != diagConnectEvery+1 {
				t.Errorf("connected at attempt %d, want %d", i, diagConnectEvery+1)
			}
			break
		}
		if !errors.Is(err, syscall.ECONNREFUSED) || i > diagConnectEvery+1 {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}

	p.diag.close() // a check that fails (EBADF) is dropped and the probe connects
	c, err := p.connect()
	if err != nil {
		t.Fatalf("connect after the check failed: %v", err)
	}
	c.Close()
	if p.diag != nil {
		t.Error("a failing check was kept")
	}
}

// TestRefusedProbeAllocatesNothing: while an app starts, hundreds of checks are refused; each must
// leave no garbage (a collection on a fraction of a vCPU costs the app more than the checks).
func TestRefusedProbeAllocatesNothing(t *testing.T) {
	cfg := testConfig(t, closedAddr(t))
	p := newProber(cfg)
	defer p.close()
	ctx := context.Background()
	if healthy, result, _ := p.probe(ctx); healthy || !strings.Contains(result, "connection refused") {
		t.Fatalf("probe of a closed port: %v %q", healthy, result)
	}
	for _, viaDiag := range []bool{true, false} {
		if !viaDiag {
			p.tcp.diag.close()
			p.tcp.diag = nil
		}
		if n := testing.AllocsPerRun(50, func() { _, _, _ = p.probe(ctx) }); n != 0 {
			t.Errorf("diag %v: %v allocations per refused check, want 0", viaDiag, n)
		}
	}
}
