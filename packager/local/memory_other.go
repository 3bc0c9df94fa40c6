//go:build !linux

package local

// peakMemoryMB is unknown off Linux (no /proc): the REPORT line leaves Max Memory Used out.
func (m *memProbe) peakMemoryMB([]int) (int, bool) { return 0, false }
