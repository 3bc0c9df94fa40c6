//go:build !unix

package local

import "os/exec"

type signal int

const (
	sigKill signal = iota
	sigTerm
)

// Process groups are a Unix notion; elsewhere only the process itself is signalled (and lwa-pack
// local is documented for Linux and macOS only).
func setProcessGroup(*exec.Cmd) {}

func signalGroup(cmd *exec.Cmd, _ signal) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
