package layers

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBootstrapExecsHandler runs the wrapper as a managed runtime would (with the runtime's own
// command line after it) and checks that it becomes ${LAMBDA_TASK_ROOT}/${_HANDLER}.
func TestBootstrapExecsHandler(t *testing.T) {
	dir := t.TempDir()
	boot := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(boot, Bootstrap(), 0o755); err != nil {
		t.Fatal(err)
	}
	task := filepath.Join(dir, "task")
	os.Mkdir(task, 0o755)
	os.WriteFile(filepath.Join(task, "run.sh"), []byte("#!/bin/sh\necho \"handler ran in $LAMBDA_TASK_ROOT with $# args\"\n"), 0o755)
	cmd := exec.Command(boot, "/var/lang/bin/node", "/var/runtime/index.mjs")
	cmd.Env = append(os.Environ(), "LAMBDA_TASK_ROOT="+task, "_HANDLER=run.sh")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bootstrap: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "handler ran in "+task+" with 0 args"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !strings.HasPrefix(string(Bootstrap()), "#!/bin/bash\n") {
		t.Error("bootstrap must start with #!/bin/bash")
	}
}

func TestSAMTemplate(t *testing.T) {
	tpl := string(SAMTemplate("1.2.3"))
	if strings.Contains(tpl, VersionToken) {
		t.Fatal("token left in the template")
	}
	for _, want := range []string{
		"Transform: AWS::Serverless-2016-10-31",
		"ContentUri: lambda-adapter-layer-1.2.3-x86_64.zip",
		"ContentUri: lambda-adapter-layer-1.2.3-arm64.zip",
		"        - x86_64\n",
		"        - arm64\n",
	} {
		if !strings.Contains(tpl, want) {
			t.Errorf("template lacks %q", want)
		}
	}
	if strings.Contains(tpl, "\t") {
		t.Error("tabs in YAML")
	}
}
