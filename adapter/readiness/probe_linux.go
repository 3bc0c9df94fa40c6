package readiness

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"unsafe"
)

// tcpProbe connects to one literal IP address over a non-blocking socket kept between attempts.
// While the app is not listening, an attempt costs two connect(2) calls made with RawSyscall: the
// first sends the SYN, the second collects the loopback RST (or finds the connection up). Going
// around the Go scheduler matters here: every ordinary syscall wakes the runtime's sysmon thread
// when it is parked, which at one attempt per millisecond was half of the adapter's CPU while it
// waited (docs/performance.md, section "Readiness"). The calls never block, so bypassing the
// scheduler is safe.
type tcpProbe struct {
	addr   string
	family int
	sa     unsafe.Pointer // *syscall.RawSockaddrInet4 or *syscall.RawSockaddrInet6
	salen  uintptr
	fd     int          // -1: no socket open
	diag   *listenCheck // nil: connect every time
	// refusedByDiag counts checks answered by diag alone since the last connect: a connect comes
	// at least every diagConnectEvery checks, for a listener the kernel's lookup table does not
	// show (a NAT redirect, a BPF socket lookup), which then waits longer but is still seen.
	refusedByDiag int
	refused       error // made once: a refusal is the common answer and should leave no garbage
}

const diagConnectEvery = 16

// errProbeInProgress means the handshake did not complete within the call (not loopback, or a busy
// kernel): the caller dials normally for this attempt.
var errProbeInProgress = errors.New("connect in progress")

// newTCPProbe returns nil when addr is not a literal IP:port; the caller then dials normally.
func newTCPProbe(addr string) *tcpProbe {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil
	}
	p := &tcpProbe{addr: addr, fd: -1}
	port := [2]byte{byte(ap.Port() >> 8), byte(ap.Port())} // network byte order
	switch ip := ap.Addr().Unmap(); {
	case ip.Is4():
		sa := &syscall.RawSockaddrInet4{Family: syscall.AF_INET, Addr: ip.As4()}
		*(*[2]byte)(unsafe.Pointer(&sa.Port)) = port
		p.family, p.sa, p.salen = syscall.AF_INET, unsafe.Pointer(sa), unsafe.Sizeof(*sa)
	case ip.Zone() == "":
		sa := &syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Addr: ip.As16()}
		*(*[2]byte)(unsafe.Pointer(&sa.Port)) = port
		p.family, p.sa, p.salen = syscall.AF_INET6, unsafe.Pointer(sa), unsafe.Sizeof(*sa)
	default:
		return nil // a zoned address needs the interface index: leave it to net.Dialer
	}
	p.diag = newListenCheck(ap)
	p.refused = p.opError(syscall.ECONNREFUSED)
	return p
}

// connect makes one attempt and hands the socket over when it connected.
func (p *tcpProbe) connect() (net.Conn, error) {
	if p.diag != nil && p.refusedByDiag < diagConnectEvery {
		switch up, err := p.diag.listening(); {
		case err != nil:
			p.diag.close() // not to be trusted: connect from now on
			p.diag = nil
		case !up:
			p.refusedByDiag++
			return nil, p.refused
		}
	}
	p.refusedByDiag = 0
	if p.fd < 0 {
		fd, err := syscall.Socket(p.family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return nil, p.opError(err)
		}
		p.fd = fd
	}
	err := p.rawConnect()
	if err == syscall.EINPROGRESS {
		// On loopback the SYN and its answer are processed within the first call.
		err = p.rawConnect()
	}
	switch err {
	case 0, syscall.EISCONN:
		f := os.NewFile(uintptr(p.fd), "readiness-probe")
		p.fd = -1
		c, err := net.FileConn(f) // a duplicate on the runtime's poller
		f.Close()
		if err != nil {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: tcpAddr(p.addr), Err: err}
		}
		return c, nil
	case syscall.ECONNREFUSED:
		return nil, p.refused // Linux lets the refused socket connect again
	case syscall.EALREADY, syscall.EINPROGRESS:
		p.closeSocket()
		return nil, errProbeInProgress
	}
	p.closeSocket()
	return nil, p.opError(err)
}

func (p *tcpProbe) rawConnect() syscall.Errno {
	_, _, e := syscall.RawSyscall(syscall.SYS_CONNECT, uintptr(p.fd), uintptr(p.sa), p.salen)
	return e
}

// close releases the probe's sockets.
func (p *tcpProbe) close() {
	p.closeSocket()
	p.diag.close()
}

func (p *tcpProbe) closeSocket() {
	if p.fd >= 0 {
		syscall.Close(p.fd)
		p.fd = -1
	}
}

func (p *tcpProbe) opError(err error) error {
	return &net.OpError{Op: "dial", Net: "tcp", Addr: tcpAddr(p.addr), Err: os.NewSyscallError("connect", err)}
}

// tcpAddr is a net.Addr for messages.
type tcpAddr string

func (a tcpAddr) Network() string { return "tcp" }
func (a tcpAddr) String() string  { return string(a) }
