//go:build linux && (amd64 || arm64)

package h1

import (
	"net"
	"syscall"
	"unsafe"
)

// peeker looks at an idle connection without blocking or consuming it. Its callback is made once
// per connection, not once per look: this runs before every request on a kept-alive connection.
type peeker struct {
	rc    syscall.RawConn // nil: cannot look (the connection is not a socket)
	look  func(fd uintptr)
	buf   [1]byte
	quiet bool
}

func (p *peeker) init(nc net.Conn) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	p.rc = rc
	p.look = p.recvPeek
}

// alive reports EAGAIN from a non-blocking peek: open and quiet. End of stream, bytes nobody asked
// for, or any error mean the connection cannot carry a request. recv with MSG_DONTWAIT never
// blocks, so it goes through RawSyscall6, without the scheduler's entersyscall/exitsyscall.
func (p *peeker) alive() bool {
	if p.rc == nil {
		return true
	}
	p.quiet = false
	err := p.rc.Control(p.look)
	return err == nil && p.quiet
}

func (p *peeker) recvPeek(fd uintptr) {
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&p.buf[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	p.quiet = errno == syscall.EAGAIN
}
