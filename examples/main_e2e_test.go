//go:build e2e

package examples

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/lwa-go/lwa/internal/testenv"
)

// Built once per test binary by TestMain: lwaPack is the packager, layerOpt the amd64 layer zip
// extracted (what Lambda mounts on /opt), adapterBin the adapter inside it.
var lwaPack, layerZip, layerOpt, adapterBin, repoRoot, workDir string

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, "lwa-examples-e2e-", setUp))
}

// setUp builds lwa-pack, has it build the layer zip as a user would, and extracts the zip with
// unzip (so the modes are the zip's own) into a directory every user can read.
func setUp(root, dir string) error {
	workDir, repoRoot = dir, root
	lwaPack = filepath.Join(dir, "lwa-pack")
	if err := run(repoRoot, "go", "build", "-o", lwaPack, "./packager/cmd/lwa-pack"); err != nil {
		return err
	}
	out := filepath.Join(dir, "dist")
	if err := run(repoRoot, lwaPack, "layer", "--platform", "linux/amd64", "--version", "examples-e2e", "--output", out, "-q"); err != nil {
		return err
	}
	layerZip = filepath.Join(out, "lambda-adapter-layer-examples-e2e-x86_64.zip")
	layerOpt = filepath.Join(dir, "opt")
	if err := os.Mkdir(layerOpt, 0o755); err != nil {
		return err
	}
	unzip, err := testenv.LookTool("unzip")
	if err != nil {
		return fmt.Errorf("%w: run scripts/install-tools.sh", err)
	}
	if err := run(dir, unzip, "-q", layerZip, "-d", layerOpt); err != nil {
		return err
	}
	adapterBin = filepath.Join(layerOpt, "extensions", "lambda-adapter")
	return nil
}

// run runs a command in dir, without lwa-pack's own variables (LWA_PACK_*, and SOURCE_DATE_EPOCH
// that make exports), and returns its output in the error when it fails.
func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if len(kv) < 9 || (kv[:9] != "LWA_PACK_" && kv[:9] != "SOURCE_DA") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %v: %w\n%s", name, args, err, out)
	}
	return nil
}
