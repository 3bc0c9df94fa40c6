//go:build e2e

package examples

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/lwa-go/lwa/internal/testenv"
)

// lambdaPath is the PATH Lambda gives a function; python3 there is the runtime's, which here means
// Debian's /usr/bin/python3 (with the Debian packages), not the pyenv one first on this machine's PATH.
const lambdaPath = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"

// samFunction is the part of an example's template.yaml that decides how the function runs.
type samFunction struct {
	Type       string `yaml:"Type"`
	Properties struct {
		Runtime       string      `yaml:"Runtime"`
		Handler       string      `yaml:"Handler"`
		CodeURI       string      `yaml:"CodeUri"`
		Layers        []yaml.Node `yaml:"Layers"`
		Architectures []string    `yaml:"Architectures"`
		Environment   struct {
			Variables map[string]string `yaml:"Variables"`
		} `yaml:"Environment"`
		FunctionURLConfig struct {
			InvokeMode string `yaml:"InvokeMode"`
		} `yaml:"FunctionUrlConfig"`
		Events map[string]struct {
			Type       string         `yaml:"Type"`
			Properties map[string]any `yaml:"Properties"`
		} `yaml:"Events"`
	} `yaml:"Properties"`
}

func (f samFunction) resourceType() string { return f.Type }

// onlyFunction returns the one resource of type typ among resources, the Resources of the template
// at path, and fails the test unless there is exactly one.
func onlyFunction[R interface{ resourceType() string }](t *testing.T, path string, resources map[string]R, typ string) R {
	t.Helper()
	var fns []R
	for _, r := range resources {
		if r.resourceType() == typ {
			fns = append(fns, r)
		}
	}
	if len(fns) != 1 {
		t.Fatalf("%s: %d functions, want 1", path, len(fns))
	}
	return fns[0]
}

// readTemplate parses examples/NAME/template.yaml and returns its one function. It fails the test
// unless the function is one the zip route can run: the adapter layer attached by reference, and,
// on a managed runtime, the handler run.sh started through AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap
// (OS-only runtimes run the package's own bootstrap and ignore wrappers).
func readTemplate(t *testing.T, name string) samFunction {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(name, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Transform string                 `yaml:"Transform"`
		Resources map[string]samFunction `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &tpl); err != nil {
		t.Fatalf("%s/template.yaml: %v", name, err)
	}
	if tpl.Transform != "AWS::Serverless-2016-10-31" {
		t.Errorf("%s/template.yaml: Transform %q, want AWS::Serverless-2016-10-31", name, tpl.Transform)
	}
	fn := onlyFunction(t, name+"/template.yaml", tpl.Resources, "AWS::Serverless::Function")
	p := fn.Properties
	if len(p.Layers) == 0 || p.Layers[0].Tag != "!Ref" || p.Layers[0].Value != "LambdaAdapterLayerArn" {
		t.Errorf("%s/template.yaml: the first of Layers should be !Ref LambdaAdapterLayerArn", name)
	}
	if p.CodeURI != "." && p.CodeURI != "./" {
		t.Errorf("%s/template.yaml: CodeUri %q, want the example's directory", name, p.CodeURI)
	}
	wrapper := p.Environment.Variables["AWS_LAMBDA_EXEC_WRAPPER"]
	if strings.HasPrefix(p.Runtime, "provided.") {
		if p.Handler != "bootstrap" || wrapper != "" {
			t.Errorf("%s/template.yaml: OS-only runtime: Handler %q, wrapper %q; want bootstrap and no wrapper", name, p.Handler, wrapper)
		}
	} else if p.Handler != "run.sh" || wrapper != "/opt/bootstrap" {
		t.Errorf("%s/template.yaml: Handler %q, AWS_LAMBDA_EXEC_WRAPPER %q; want run.sh and /opt/bootstrap", name, p.Handler, wrapper)
	}
	return fn
}

// function is one example under RIE in the zip layout.
type function struct {
	rie  *testenv.RIE
	port int
	tmp  string // the function's /tmp, private to it as on Lambda
	task string // its /var/task, read-only to it
}

// fnConfig is what a test adds to an example's own files and template.
type fnConfig struct {
	env   []string          // more environment variables, after the template's
	files map[string]string // files to add to /var/task (name → path), such as a compiled binary
}

type fnOption func(*fnConfig)

func withEnv(kv ...string) fnOption { return func(c *fnConfig) { c.env = append(c.env, kv...) } }

func withFile(name, src string) fnOption {
	return func(c *fnConfig) {
		if c.files == nil {
			c.files = map[string]string{}
		}
		c.files[name] = src
	}
}

// layOut copies examples/NAME (with its node_modules, without deploy/, which is not part of the
// function) and the configured files into a new task directory, and checks the start script there.
func layOut(t *testing.T, name string, fn samFunction, c fnConfig) string {
	t.Helper()
	task := filepath.Join(testenv.WorldDir(t), "task")
	if err := os.Mkdir(task, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(name)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if e.Name() != "deploy" {
			files[e.Name()] = filepath.Join(name, e.Name())
		}
	}
	for dst, src := range c.files {
		files[dst] = src
	}
	for dst, src := range files {
		if out, err := exec.Command("cp", "-a", src, filepath.Join(task, dst)).CombinedOutput(); err != nil {
			t.Fatalf("copy %s to the task directory: %v\n%s", src, err, out)
		}
	}
	checkStartScript(t, filepath.Join(task, fn.Properties.Handler))
	return task
}

// prepare reads examples/NAME's template and lays the function out with opts applied; it returns
// the template's function, the task directory and the configuration.
func prepare(t *testing.T, name string, opts []fnOption) (samFunction, string, fnConfig) {
	t.Helper()
	var c fnConfig
	for _, o := range opts {
		o(&c)
	}
	fn := readTemplate(t, name)
	return fn, layOut(t, name, fn, c), c
}

// functionEnv is Lambda's environment for the function, the template's variables, and the app on port.
func functionEnv(name string, fn samFunction, port int, c fnConfig) []string {
	env := []string{
		"PATH=" + lambdaPath + ":/usr/sbin", // /usr/sbin: Debian's nginx stands in for one in a layer's bin/
		"LAMBDA_TASK_ROOT=/var/task", "_HANDLER=" + fn.Properties.Handler,
		"AWS_LAMBDA_FUNCTION_NAME=" + name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_RUNTIME_DIR=/var/runtime",
		"AWS_REGION=us-east-1", "TZ=:UTC", "LANG=en_US.UTF-8", "HOME=/tmp",
	}
	for k, v := range fn.Properties.Environment.Variables {
		env = append(env, k+"="+v)
	}
	env = append(env, "PORT="+strconv.Itoa(port), "AWS_LWA_PORT="+strconv.Itoa(port))
	return append(env, c.env...)
}

// startFunction lays examples/NAME out as Lambda does — /opt the extracted layer zip, /var/task a
// copy of the example, read-only, a /tmp of its own — and starts it under RIE with the template's environment, Lambda's PATH and
// the app on a free port.
func startFunction(t *testing.T, name string, opts ...fnOption) *function {
	t.Helper()
	fn, task, c := prepare(t, name, opts)
	port := testenv.FreePort(t)
	// A managed runtime's bootstrap, standing in for Lambda's (RIE does not implement the wrapper):
	// in /var/task, it execs AWS_LAMBDA_EXEC_WRAPPER with the runtime's own command line. An OS-only
	// runtime runs the package's bootstrap in /var/task.
	boot := `cd "$LAMBDA_TASK_ROOT" && exec "$AWS_LAMBDA_EXEC_WRAPPER" /var/runtime/bootstrap`
	if fn.Properties.Handler == "bootstrap" {
		boot = `cd "$LAMBDA_TASK_ROOT" && exec ./bootstrap`
	}
	tmp := testenv.WorldDir(t)
	if err := os.Chmod(tmp, 0o1777); err != nil {
		t.Fatal(err)
	}
	r := testenv.StartRIE(t, testenv.Options{Opt: layerOpt, Var: filepath.Dir(task), VarRO: true, Tmp: tmp,
		Bootstrap: []string{"/bin/sh", "-c", boot}, Env: functionEnv(name, fn, port, c)})
	return &function{rie: r, port: port, tmp: tmp, task: task}
}

// checkStartScript fails the test unless path is what Lambda can exec: executable, a shebang, LF
// line endings (a CR makes the kernel look for "sh\r"), and an exec line.
func checkStartScript(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o111 != 0o111 {
		t.Errorf("%s: mode %v, want executable by all", path, st.Mode())
	}
	b, _ := os.ReadFile(path)
	if strings.HasPrefix(string(b), "\x7fELF") {
		return
	}
	if !strings.HasPrefix(string(b), "#!") || strings.Contains(string(b), "\r") {
		t.Errorf("%s: want a #! line and LF line endings", path)
	}
	// The app must replace the shell, so that Lambda's SIGTERM reaches it.
	if !strings.Contains("\n"+string(b), "\nexec ") {
		t.Errorf("%s: want the app started with exec", path)
	}
}

// trigger is one HTTP event source.
type trigger struct {
	name  string
	build func(testenv.HTTPEvent) []byte
}

var httpTriggers = []trigger{{"HTTP API v2", testenv.V2}, {"REST API v1", testenv.RESTv1}, {"ALB", testenv.ALB}}

// invokeRaw posts payload to RIE and returns the raw answer.
func (f *function) invokeRaw(t *testing.T, payload []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := f.rie.Invoke(ctx, payload, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 {
		t.Fatalf("RIE answered %d: %s", res.Status, res.Body)
	}
	return res.Body
}

// invoke sends e through trigger tr and decodes the function's response.
func (f *function) invoke(t *testing.T, tr trigger, e testenv.HTTPEvent) testenv.HTTPResult {
	t.Helper()
	raw := f.invokeRaw(t, tr.build(e))
	var r testenv.HTTPResult
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s %s %s: answer %q: %v", tr.name, e.Method, e.Path, raw, err)
	}
	if r.ErrorType != "" || r.StatusCode == 0 {
		t.Fatalf("%s %s %s: %s", tr.name, e.Method, e.Path, raw)
	}
	return r
}

// wantJSON checks status and content type and decodes the JSON body into v.
func wantJSON(t *testing.T, r testenv.HTTPResult, status int, v any) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", r.StatusCode, status, r.Body)
	}
	if ct := r.HeaderLine("content-type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("content-type %q, want application/json", ct)
	}
	if err := json.Unmarshal(r.BodyBytes(t), v); err != nil {
		t.Fatalf("body %q: %v", r.BodyBytes(t), err)
	}
}

// wantFile gets path through tr and checks that the app answered 200 with content type ct and the
// bytes of file.
func (f *function) wantFile(t *testing.T, tr trigger, path, ct string, file []byte) testenv.HTTPResult {
	t.Helper()
	r := f.invoke(t, tr, testenv.HTTPEvent{Path: path})
	if r.StatusCode != 200 || r.HeaderLine("content-type") != ct || !bytes.Equal(r.BodyBytes(t), file) {
		t.Errorf("GET %s: %d %q, %d bytes, want %q and the %d-byte file", path, r.StatusCode, r.HeaderLine("content-type"), len(r.BodyBytes(t)), ct, len(file))
	}
	return r
}

// wantNotFound gets path through tr and checks that the app answered 404 with a JSON body naming path.
func (f *function) wantNotFound(t *testing.T, tr trigger, path string) {
	t.Helper()
	var nf map[string]string
	wantJSON(t, f.invoke(t, tr, testenv.HTTPEvent{Path: path}), 404, &nf)
	if nf["path"] != path {
		t.Errorf("GET %s: 404 body %v, want its path", path, nf)
	}
}

// hasCookie reports whether one of the Set-Cookie values sets name to value.
func hasCookie(set []string, name, value string) bool {
	for _, c := range set {
		if strings.HasPrefix(c, name+"="+value+";") || c == name+"="+value {
			return true
		}
	}
	return false
}
