// Command emptygo prints the CPU it has used when its main begins (getrusage, user + system, every
// thread, in microseconds) and exits: what any Go program pays to start on this machine, exec and
// the runtime's own set-up, set beside the adapter's start by the bench. It imports only syscall
// and strconv, which every Go program links anyway.
package main

import (
	"strconv"
	"syscall"
)

func main() {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		syscall.Exit(1)
	}
	us := ru.Utime.Sec*1e6 + ru.Utime.Usec + ru.Stime.Sec*1e6 + ru.Stime.Usec
	syscall.Write(1, strconv.AppendInt(nil, int64(us), 10))
}
