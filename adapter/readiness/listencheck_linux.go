package readiness

import (
	"encoding/binary"
	"net/netip"
	"syscall"
	"unsafe"
)

// listenCheck asks the kernel whether a TCP socket listens on a loopback address and port, through
// NETLINK_SOCK_DIAG: one request and its answer, which the kernel makes with the same listener
// lookup an incoming SYN gets. While an app starts, most readiness checks find nothing listening,
// and a refused connect costs a SYN and an RST through the loopback device, the softirqs and the
// routing and port tables on the way, where this asks one table. A check that finds a listener is
// followed by the real connect, so an app is never taken as ready on this answer alone; only
// "nothing listens" is trusted, and tcpProbe connects anyway every so often (see its use).
type listenCheck struct {
	fd  int
	req inetDiagReq
	buf [512]byte // the answer: an inet_diag_msg, or an NLMSG_ERROR
}

// inetDiagReq is struct nlmsghdr followed by struct inet_diag_req_v2 (linux/inet_diag.h).
type inetDiagReq struct {
	hdr    syscall.NlMsghdr
	family uint8
	proto  uint8
	ext    uint8
	pad    uint8
	states uint32
	sport  [2]byte // network byte order
	dport  [2]byte
	src    [16]byte
	dst    [16]byte
	ifidx  uint32
	cookie [2]uint32
}

const (
	netlinkSockDiag  = 4  // NETLINK_SOCK_DIAG
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	tcpListenState   = 10 // TCP_LISTEN
)

// newListenCheck returns nil when ap is not a loopback address (a listener elsewhere is not in this
// kernel's tables) or the kernel offers no sock_diag; the caller then connects every time.
func newListenCheck(ap netip.AddrPort) *listenCheck {
	ip := ap.Addr().Unmap()
	if !ip.IsLoopback() || ip.Zone() != "" {
		return nil
	}
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, netlinkSockDiag)
	if err != nil {
		return nil
	}
	c := &listenCheck{fd: fd}
	r := &c.req
	r.hdr.Len = uint32(unsafe.Sizeof(*r))
	r.hdr.Type = sockDiagByFamily
	r.hdr.Flags = syscall.NLM_F_REQUEST // one socket, looked up, not a dump
	r.proto = syscall.IPPROTO_TCP
	r.states = 1 << tcpListenState
	binary.BigEndian.PutUint16(r.sport[:], ap.Port())
	if ip.Is4() {
		r.family = syscall.AF_INET
		a := ip.As4()
		copy(r.src[:], a[:])
	} else {
		r.family = syscall.AF_INET6
		r.src = ip.As16()
	}
	r.cookie = [2]uint32{^uint32(0), ^uint32(0)} // INET_DIAG_NOCOOKIE: any socket
	return c
}

// listening reports whether something listens; an error means the check cannot be trusted and
// should not be used again.
func (c *listenCheck) listening() (bool, error) {
	c.req.hdr.Seq++
	if _, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(c.fd), uintptr(unsafe.Pointer(&c.req)), unsafe.Sizeof(c.req), 0, 0, 0); e != 0 {
		return false, e
	}
	// The kernel answers within sendto: the answer is already queued, and EAGAIN would be a surprise.
	n, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(c.fd), uintptr(unsafe.Pointer(&c.buf[0])), uintptr(len(c.buf)), 0, 0, 0)
	if e != 0 {
		return false, e
	}
	if n < syscall.NLMSG_HDRLEN+4 {
		return false, syscall.EBADMSG
	}
	h := (*syscall.NlMsghdr)(unsafe.Pointer(&c.buf[0]))
	if h.Seq != c.req.hdr.Seq {
		return false, syscall.EBADMSG
	}
	switch h.Type {
	case sockDiagByFamily:
		return true, nil
	case syscall.NLMSG_ERROR:
		code := -int32(binary.NativeEndian.Uint32(c.buf[syscall.NLMSG_HDRLEN:]))
		if syscall.Errno(code) == syscall.ENOENT {
			return false, nil
		}
		return false, syscall.Errno(code)
	}
	return false, syscall.EBADMSG
}

func (c *listenCheck) close() {
	if c != nil && c.fd >= 0 {
		syscall.Close(c.fd)
		c.fd = -1
	}
}
