package doctor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/packager/commands"
)

type cmdResult struct {
	stdout, stderr string
	err            error
}

// lwaPack runs lwa-pack in-process, as the binary does.
func lwaPack(t *testing.T, args ...string) cmdResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	app := commands.New(commands.Options{Version: "1.2.3", Stdout: &stdout, Stderr: &stderr, Environ: os.Environ(), WorkDir: t.TempDir()})
	err := app.RunContext(context.Background(), append([]string{"lwa-pack"}, args...))
	return cmdResult{stdout.String(), stderr.String(), err}
}

func writeBinaries(t *testing.T) (amd, arm string) {
	dir := t.TempDir()
	amd, arm = filepath.Join(dir, "amd64"), filepath.Join(dir, "arm64")
	if err := os.WriteFile(amd, adapterAMD64, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(arm, adapterARM64(), 0o755); err != nil {
		t.Fatal(err)
	}
	return amd, arm
}

// TestPackagerArtifactsPass: what lwa-pack layer and lwa-pack image write (a layer zip per
// architecture; the adapter image as an OCI layout, a docker tarball and in a registry; the
// adapter appended onto a function image with --base) gets no finding.
func TestPackagerArtifactsPass(t *testing.T) {
	host := startRegistry(t)
	amd, arm := writeBinaries(t)
	bins := []string{"--binary", "linux/amd64=" + amd, "--binary", "linux/arm64=" + arm}
	out := t.TempDir()
	must := func(r cmdResult) {
		t.Helper()
		if r.err != nil {
			t.Fatalf("lwa-pack: %v\n%s", r.err, r.stderr)
		}
	}
	must(lwaPack(t, append([]string{"layer", "-q", "--version", "1.2.3", "-o", filepath.Join(out, "dist")}, bins...)...))
	must(lwaPack(t, append([]string{"image", "-q", "--version", "1.2.3", "-o", "oci:" + filepath.Join(out, "oci"), "--push", host + "/lambda-adapter:1.2.3"}, bins...)...))
	must(lwaPack(t, "image", "-q", "--version", "1.2.3", "--binary", "linux/arm64="+arm, "-o", "tar:"+filepath.Join(out, "adapter.tar")))
	base := push(t, host, "node-app", functionImage(t, imageSpec{opt: []file{}}), nil)
	must(lwaPack(t, "image", "-q", "--version", "1.2.3", "--binary", "linux/amd64="+amd, "--base", base, "--platform", "linux/amd64",
		"-o", "oci:"+filepath.Join(out, "fn-oci"), "-o", "tar:"+filepath.Join(out, "fn.tar"), "--push", host+"/fn:with-adapter"))

	targets := [][]string{
		{filepath.Join(out, "dist", "lambda-adapter-layer-1.2.3-x86_64.zip"), "--arch", "x86_64"},
		{filepath.Join(out, "dist", "lambda-adapter-layer-1.2.3-arm64.zip"), "--arch", "arm64"},
		{filepath.Join(out, "oci")},
		{host + "/lambda-adapter:1.2.3"},
		{filepath.Join(out, "adapter.tar")},
		{filepath.Join(out, "fn-oci"), "--arch", "x86_64"},
		{filepath.Join(out, "fn.tar"), "--env", "AWS_LWA_ERROR_STATUS_CODES=500,502-504"},
		{host + "/fn:with-adapter", "--strict"},
	}
	for _, tg := range targets {
		r := lwaPack(t, append(append([]string{"doctor", "--json"}, tg[1:]...), tg[0])...)
		if r.err != nil {
			t.Errorf("doctor %v: %v\n%s%s", tg, r.err, r.stdout, r.stderr)
			continue
		}
		var rep struct {
			Findings []json.RawMessage `json:"findings"`
			Adapter  struct{ Architecture, Version string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("doctor %v: %v\n%s", tg, err, r.stdout)
		}
		if len(rep.Findings) != 0 || rep.Adapter.Architecture == "" {
			t.Errorf("doctor %v: findings or no adapter found:\n%s", tg, r.stdout)
		}
		// The test binaries are built with the release's flags (testenv.BuildAdapter) at 1.2.3.
		if rep.Adapter.Version != "1.2.3" {
			t.Errorf("doctor %v: adapter version %q, want the stamped 1.2.3", tg, rep.Adapter.Version)
		}
	}
}

// TestJSONSchema: --json prints the documented object; a failing run exits with the error after
// printing it.
func TestJSONSchema(t *testing.T) {
	path := writeZip(t, replace(functionFiles(), "run.sh", &file{name: "run.sh", mode: 0o644, data: runScript}))
	r := lwaPack(t, "doctor", "--json", "--env", "AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap", "--env", "AWS_LWA_INVOKE_MOD=buffered", path)
	if !errors.Is(r.err, commands.ErrDoctorFindings) || r.err.Error() != "doctor found problems: 1 error(s), 1 warning(s)" {
		t.Errorf("error %v, want ErrDoctorFindings with the counts", r.err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &top); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	var keys []string
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"errors", "findings", "kind", "notes", "target", "warnings"}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	var rep struct {
		Target   string
		Kind     string
		Errors   int
		Warnings int
		Notes    []string
		Findings []map[string]string
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"id": "LWA011", "severity": "error", "title": "the handler is not executable", "seen": "run.sh has mode 0644",
			"fix": "chmod 0755 run.sh before zipping (on Windows, `git update-index --chmod=+x run.sh` and zip on Linux, or build the zip in CI)"},
		{"id": "LWA041", "severity": "warning", "title": "an AWS_LWA_ variable the adapter does not read",
			"seen": "AWS_LWA_INVOKE_MOD is not a variable the adapter reads, so it has no effect: did you mean AWS_LWA_INVOKE_MODE?",
			"fix":  "rename AWS_LWA_INVOKE_MOD to AWS_LWA_INVOKE_MODE"},
	}
	if rep.Target != path || rep.Kind != "function-zip" || rep.Errors != 1 || rep.Warnings != 1 || !reflect.DeepEqual(rep.Findings, want) {
		t.Errorf("report %+v\nwant findings %v", rep, want)
	}
	if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "the adapter comes from a layer") {
		t.Errorf("notes %q", rep.Notes)
	}
}

// TestTextAndStrict: the checklist names each finding's severity, id, what was seen and the fix;
// a warning fails only with --strict.
func TestTextAndStrict(t *testing.T) {
	path := writeZip(t, replace(functionFiles(), "run.sh", &file{name: "run.sh", mode: 0o755, data: "#!/bin/sh\nnode index.js\n"}))
	r := lwaPack(t, "doctor", "--env", "AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap", path)
	if r.err != nil {
		t.Fatalf("a warning failed the run without --strict: %v", r.err)
	}
	want := "WARNING LWA014 the handler script starts the app without exec\n" +
		"        seen: run.sh ends with \"node index.js\": the shell stays the app's parent, so the SIGTERM Lambda sends at shutdown never reaches the app\n" +
		"        fix:  start the app with exec: `exec node index.js`\n" +
		"0 error(s), 1 warning(s); each id is explained in docs/doctor.md\n"
	if !strings.HasSuffix(r.stdout, want) || !strings.HasPrefix(r.stdout, "lwa-pack doctor: "+path+" (function-zip)\n") {
		t.Errorf("output\n%s\nwant it to end with\n%s", r.stdout, want)
	}
	if r := lwaPack(t, "doctor", "--strict", "--env", "AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap", path); !errors.Is(r.err, commands.ErrDoctorFindings) {
		t.Errorf("--strict with a warning: error %v, want ErrDoctorFindings", r.err)
	}
}

// TestCommandErrors: bad flags and unreadable inputs name the flag or file.
func TestCommandErrors(t *testing.T) {
	good := writeZip(t, layerFiles(adapterAMD64))
	badEnv := filepath.Join(t.TempDir(), "bad.env")
	os.WriteFile(badEnv, []byte("A=1\nNOT A LINE\n"), 0o644)
	tpl := filepath.Join(t.TempDir(), "template.yaml")
	os.WriteFile(tpl, []byte(nodeTemplate), 0o644)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"doctor"}, "doctor takes one TARGET"},
		{[]string{"doctor", "--arch", "x86", good}, `--arch "x86": want x86_64 or arm64`},
		{[]string{"doctor", "--env", "NOEQ", good}, `--env "NOEQ": want NAME=VALUE`},
		{[]string{"doctor", "--env-file", badEnv, good}, "--env-file: " + badEnv + `:2: "NOT A LINE": want NAME=VALUE`},
		{[]string{"doctor", "--function", "Fn", good}, "--function needs --template"},
		{[]string{"doctor", "--template", tpl, "--function", "Web", good}, `--template: ` + tpl + ` has no function "Web" (functions: Fn)`},
		{[]string{"doctor", good, "--arch", "arm64"}, "flags go before TARGET: lwa-pack doctor [flags] TARGET (--arch came after " + good + ")"},
		{[]string{"doctor", filepath.Join(t.TempDir(), "missing.zip")}, "missing.zip: no such file or directory, and not an image reference"},
	} {
		r := lwaPack(t, tt.args...)
		if r.err == nil || !strings.Contains(r.err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.args, r.err, tt.want)
		}
	}
}
