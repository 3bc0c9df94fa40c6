package testenv

import (
	"fmt"
	"os"
	"testing"
)

// Main is the TestMain of a package whose tests need programs built first, the one bootstrap every
// such package shares:
//
//	func TestMain(m *testing.M) {
//		os.Exit(testenv.Main(m, "lwa-e2e-bin-", func(root, dir string) (err error) {
//			adapterBin, err = testenv.BuildAdapter(root, dir, "e2e-test")
//			return err
//		}))
//	}
//
// setup gets the module root (the directory holding go.mod) and a temporary directory, readable by
// every user (RIE's runtime may run as another uid), which is removed once the tests have run. A setup
// error is printed and fails the run before any test. It returns the exit code for os.Exit.
func Main(m *testing.M, prefix string, setup func(root, dir string) error) int {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, "test setup:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "test setup:", err)
		return 1
	}
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "test setup:", err)
		return 1
	}
	if err := setup(root, dir); err != nil {
		fmt.Fprintln(os.Stderr, "test setup:", err)
		return 1
	}
	return m.Run()
}
