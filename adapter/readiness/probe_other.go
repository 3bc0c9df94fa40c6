//go:build !linux

package readiness

import (
	"errors"
	"net"
)

// tcpProbe is Linux-only (see probe_linux.go); elsewhere the readiness check dials normally.
type tcpProbe struct{}

var errProbeInProgress = errors.New("connect in progress")

func newTCPProbe(string) *tcpProbe { return nil }

func (*tcpProbe) connect() (net.Conn, error) { return nil, errProbeInProgress }

func (*tcpProbe) close() {}
