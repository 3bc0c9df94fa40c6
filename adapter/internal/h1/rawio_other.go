//go:build !linux || !(amd64 || arm64)

package h1

import "net"

// wrapConn leaves the connection as it is: the raw-syscall I/O of rawio_linux.go is written for the
// platforms the adapter ships for (linux/amd64, linux/arm64); elsewhere net.Conn's own is used.
func wrapConn(nc net.Conn) net.Conn { return nc }
