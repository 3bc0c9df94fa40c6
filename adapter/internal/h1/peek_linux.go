package h1

import "syscall"

// peekAlive looks at an idle connection without blocking or consuming: EAGAIN means open and
// quiet; end of stream, bytes, or any error mean it cannot carry a request.
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
	err = rc.Read(func(fd uintptr) bool {
		_, _, rerr := syscall.Recvfrom(int(fd), pc.peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		quiet = rerr == syscall.EAGAIN
		return true
	})
	return err == nil && quiet
}
