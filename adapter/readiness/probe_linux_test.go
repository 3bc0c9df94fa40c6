package readiness

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// TestTCPProbe walks the kept socket through refused, refused again, then connected, for both
// address families, and checks that names are left to net.Dialer.
func TestTCPProbe(t *testing.T) {
	for _, network := range []string{"tcp4", "tcp6"} {
		t.Run(network, func(t *testing.T) {
			host := "127.0.0.1:0"
			if network == "tcp6" {
				host = "[::1]:0"
			}
			l, err := net.Listen(network, host)
			if err != nil {
				t.Skipf("no %s loopback here: %v", network, err) // IPv6 may be disabled in the sandbox
			}
			addr := l.Addr().String()
			l.Close()
			p := newTCPProbe(addr)
			if p == nil {
				t.Fatalf("no fast path for %s", addr)
			}
			defer p.close()
			for range 2 {
				if _, err := p.connect(); !errors.Is(err, syscall.ECONNREFUSED) {
					t.Fatalf("connect to a closed port: %v, want connection refused", err)
				}
			}
			if l, err = net.Listen(network, addr); err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			accepted := make(chan net.Conn, 1)
			go func() {
				c, _ := l.Accept()
				accepted <- c
			}()
			c, err := p.connect()
			if err != nil {
				t.Fatalf("connect to a listening port: %v", err)
			}
			defer c.Close()
			select {
			case sc := <-accepted:
				if sc == nil {
					t.Fatal("accept failed")
				}
				defer sc.Close()
				if _, err := c.Write([]byte("x")); err != nil {
					t.Fatal(err)
				}
				b := make([]byte, 1)
				_ = sc.SetReadDeadline(time.Now().Add(time.Second))
				if _, err := sc.Read(b); err != nil || b[0] != 'x' {
					t.Fatalf("the handed-over connection does not carry data: %v", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("the app never saw the connection")
			}
		})
	}
	if newTCPProbe("localhost:8080") != nil {
		t.Error("a host name got the literal-address fast path")
	}
}
