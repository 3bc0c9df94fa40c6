package readiness

import (
	"context"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// pause sleeps between readiness checks on a timerfd read through the runtime's poller, not on a
// Go timer. With a Go timer, the runtime's sysmon thread, parked while every P is idle, sleeps only
// until the next timer and so wakes with every check: two thread wake-ups per check where one
// does, and a wake-up is most of a check's cost (docs/performance.md). The poller blocks with no
// timeout when no Go timer is due, and the timerfd wakes it at the nanosecond asked for, where a
// Go timer's wait is rounded up to whole milliseconds. The timerfd is armed and read with
// RawSyscall: both never block, and an ordinary syscall would wake sysmon all the same.
type pause struct {
	ctx     context.Context
	f       *os.File        // nil: no timerfd, fall back to a Go timer
	fd      uintptr         // f's descriptor (f.Fd() would make it blocking)
	raw     syscall.RawConn // f's, for reads parked on the poller
	stop    func() bool     // ends the context.AfterFunc that wakes a read when ctx ends
	goTimer                 // the fallback
	buf     [8]byte         // the timerfd's expiry count
	read    func(fd uintptr) bool
}

// newPause returns a pause whose waits end early when ctx ends.
func newPause(ctx context.Context) *pause {
	p := &pause{ctx: ctx}
	fd, _, e := syscall.RawSyscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if e != 0 {
		return p
	}
	f := os.NewFile(fd, "readiness-timer") // non-blocking: registered with the poller
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return p
	}
	p.f, p.fd, p.raw = f, fd, raw
	p.read = func(fd uintptr) bool { // made once: a closure per wait would be garbage per check
		_, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p.buf[0])), uintptr(len(p.buf)))
		return e != syscall.EAGAIN
	}
	// A past deadline wakes the parked read when ctx ends.
	p.stop = context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Unix(1, 0)) })
	return p
}

const clockMonotonic = 1 // CLOCK_MONOTONIC

// wait sleeps for d, or until ctx ends (its error then). d <= 0 only checks ctx.
func (p *pause) wait(d time.Duration) error {
	if err := p.ctx.Err(); err != nil || d <= 0 {
		return err
	}
	if p.f == nil {
		return p.waitTimer(d)
	}
	spec := [4]int64{0, 0, int64(d / time.Second), int64(d % time.Second)} // itimerspec: interval, value
	if _, _, e := syscall.RawSyscall6(syscall.SYS_TIMERFD_SETTIME, p.fd, 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); e != 0 {
		p.close()
		return p.waitTimer(d)
	}
	err := p.raw.Read(p.read)
	if err := p.ctx.Err(); err != nil {
		return err
	}
	if err != nil {
		p.close()
		return p.waitTimer(d)
	}
	return nil
}

func (p *pause) waitTimer(d time.Duration) error { return p.goTimer.wait(p.ctx, d) }

func (p *pause) close() {
	if p.f != nil {
		p.stop()
		p.f.Close()
		p.f = nil
	}
	p.goTimer.stop()
}
