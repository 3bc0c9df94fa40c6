package adapter

import (
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// tcpProbe connects to one literal IP address over a socket kept between attempts. While the app is
// not listening, an attempt is then a single connect(2), refused at once on loopback, instead of the
// socket, epoll registration, connect and close of a net.Dialer: about half the CPU per attempt,
// which matters at one attempt per millisecond. A connect that succeeds hands the socket over.
type tcpProbe struct {
	addr   string
	family int
	sa     syscall.Sockaddr
	fd     int // -1: no socket open
}

// newTCPProbe returns nil when addr is not a literal IP:port; the caller then dials normally.
func newTCPProbe(addr string) *tcpProbe {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil
	}
	p := &tcpProbe{addr: addr, fd: -1}
	if ip := ap.Addr().Unmap(); ip.Is4() {
		p.family, p.sa = syscall.AF_INET, &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ip.As4()}
	} else if ip.Zone() == "" {
		p.family, p.sa = syscall.AF_INET6, &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}
	} else {
		return nil // a zoned address needs the interface index: leave it to net.Dialer
	}
	return p
}

// connect makes one attempt. The socket is blocking: on loopback a connect completes or is refused
// within the call, and SO_SNDTIMEO bounds the rare wait (the app's accept backlog full).
func (p *tcpProbe) connect(timeout time.Duration) (net.Conn, error) {
	if p.fd < 0 {
		fd, err := syscall.Socket(p.family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return nil, p.opError("socket", err)
		}
		tv := syscall.NsecToTimeval(timeout.Nanoseconds())
		if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &tv); err != nil {
			syscall.Close(fd)
			return nil, p.opError("setsockopt", err)
		}
		p.fd = fd
	}
	if err := syscall.Connect(p.fd, p.sa); err != nil {
		if err != syscall.ECONNREFUSED {
			// Linux lets a refused socket connect again; after anything else, start afresh.
			p.close()
		}
		return nil, p.opError("connect", err)
	}
	f := os.NewFile(uintptr(p.fd), "readiness-probe")
	p.fd = -1
	c, err := net.FileConn(f) // a non-blocking duplicate, on the runtime's poller
	f.Close()
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: nil, Err: err}
	}
	return c, nil
}

func (p *tcpProbe) close() {
	if p.fd >= 0 {
		syscall.Close(p.fd)
		p.fd = -1
	}
}

func (p *tcpProbe) opError(call string, err error) error {
	return &net.OpError{Op: "dial", Net: "tcp", Source: nil, Addr: tcpAddr(p.addr), Err: os.NewSyscallError(call, err)}
}

// tcpAddr is a net.Addr for messages.
type tcpAddr string

func (a tcpAddr) Network() string { return "tcp" }
func (a tcpAddr) String() string  { return string(a) }
