//go:build !linux

package adapter

import (
	"net"
	"time"
)

// tcpProbe is Linux-only (see probe_linux.go); elsewhere the readiness check dials normally.
type tcpProbe struct{}

func newTCPProbe(string) *tcpProbe { return nil }

func (*tcpProbe) connect(time.Duration) (net.Conn, error) { panic("unreachable") }

func (*tcpProbe) close() {}
