//go:build !linux

package local

import (
	"errors"
	"syscall"
)

func isAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }

// portOwner needs /proc; elsewhere the error suggests lsof.
func portOwner(int) string { return "" }
