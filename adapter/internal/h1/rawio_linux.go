//go:build linux && (amd64 || arm64)

package h1

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawConn is a TCP connection whose reads and writes are made with RawSyscall on the non-blocking
// socket, waiting in the runtime's poller only when the socket is not ready (EAGAIN).
//
// net.Conn's Read and Write go through syscall.Syscall, that is through the scheduler's
// entersyscall and exitsyscall, made for calls that may block. On a non-blocking socket they never
// do, but the runtime cannot know: while one lasts, sysmon may hand the P to another thread (a
// futex wake-up), which the returning thread must then get back (another), and it keeps sysmon
// polling. A send(2) on loopback runs the peer's receive path inside it, so with one P these
// hand-offs happened on most invocations; what they cost and what this saved are measured in
// docs/performance.md ("Raw socket I/O").
// Deadlines, Close and the addresses are the TCPConn's, unchanged.
type rawConn struct {
	*net.TCPConn
	rc syscall.RawConn

	rp   []byte // the Read in progress: buffer, result
	rn   int
	rerr error
	rf   func(uintptr) bool

	wp   []byte // the Write in progress: what is left to send, result
	wn   int
	werr error
	wf   func(uintptr) bool
}

func wrapConn(nc net.Conn) net.Conn {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nc
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nc
	}
	c := &rawConn{TCPConn: tc, rc: rc}
	c.rf = c.readFD
	c.wf = c.writeFD
	return c
}

func (c *rawConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rp, c.rn, c.rerr = p, 0, nil
	err := c.rc.Read(c.rf)
	n, rerr := c.rn, c.rerr
	c.rp = nil
	if err == nil {
		err = rerr
	}
	if err != nil && err != io.EOF {
		err = &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	}
	return n, err
}

// readFD is one read(2); false asks the poller to wait until the socket is readable.
func (c *rawConn) readFD(fd uintptr) bool {
	for {
		r, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&c.rp[0])), uintptr(len(c.rp)))
		switch errno {
		case 0:
			c.rn = int(r)
			if r == 0 {
				c.rerr = io.EOF
			}
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		default:
			c.rerr = os.NewSyscallError("read", errno)
			return true
		}
	}
}

func (c *rawConn) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.wp, c.wn, c.werr = p, 0, nil
	err := c.rc.Write(c.wf)
	n, werr := c.wn, c.werr
	c.wp = nil
	if err == nil {
		err = werr
	}
	if err != nil {
		err = &net.OpError{Op: "write", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	}
	return n, err
}

// writeFD sends what is left with send(2) (MSG_NOSIGNAL: a reset peer is EPIPE, never SIGPIPE);
// false asks the poller to wait until the socket is writable again.
func (c *rawConn) writeFD(fd uintptr) bool {
	for c.wn < len(c.wp) {
		rest := c.wp[c.wn:]
		r, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&rest[0])), uintptr(len(rest)),
			syscall.MSG_NOSIGNAL, 0, 0)
		switch errno {
		case 0:
			c.wn += int(r)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			c.werr = os.NewSyscallError("write", errno)
			return true
		}
	}
	return true
}
