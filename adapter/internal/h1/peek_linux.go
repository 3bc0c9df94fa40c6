//go:build linux && (amd64 || arm64)

package h1

import (
	"syscall"
	"unsafe"
)

// peekAlive looks at an idle connection without blocking or consuming: EAGAIN means open and
// quiet; end of stream, bytes, or any error mean it cannot carry a request. recv with
// MSG_DONTWAIT never blocks, so it goes through RawSyscall6, without the scheduler's
// entersyscall/exitsyscall: this runs before every request on a kept-alive connection.
func peekAlive(pc *conn) bool {
	sc, ok := pc.nc.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	quiet := false
	err = rc.Control(func(fd uintptr) {
		_, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&pc.peek[0])), 1,
			syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
		quiet = errno == syscall.EAGAIN
	})
	return err == nil && quiet
}
