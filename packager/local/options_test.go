package local

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/packager/samtemplate"
)

func TestCheckNamesTheBadInput(t *testing.T) {
	cases := []struct {
		name string
		o    Options
		want string
	}{
		{"no adapter", Options{Command: []string{"app"}}, "--adapter-binary"},
		{"nothing to run", Options{Adapter: "a"}, "after --"},
		{"both", Options{Adapter: "a", Command: []string{"app"}, Handler: "run.sh"}, "--handler and a command"},
		{"timeout", Options{Adapter: "a", Command: []string{"app"}, Timeout: 901 * time.Second}, "1 to 900 seconds"},
		{"memory", Options{Adapter: "a", Command: []string{"app"}, MemoryMB: 64}, "128 to 10240 MB"},
		{"env", Options{Adapter: "a", Command: []string{"app"}, Env: []string{"NOEQUALS"}}, "KEY=VALUE"},
	}
	for _, c := range cases {
		if err := c.o.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %q", c.name, err, c.want)
		}
	}
	o := Options{Adapter: "a", Command: []string{"app"}, Env: []string{"AWS_LAMBDA_MAX_CONCURRENCY=x"}}
	if err := o.Check(); err != nil {
		t.Fatal(err)
	}
	if o.Timeout != DefaultTimeout || o.MemoryMB != DefaultMemoryMB || o.Trigger != HTTPAPI || o.Host != "127.0.0.1" {
		t.Errorf("defaults not applied: %+v", o)
	}
	if _, err := o.maxConcurrency(); err == nil || !strings.Contains(err.Error(), "AWS_LAMBDA_MAX_CONCURRENCY") {
		t.Errorf("bad AWS_LAMBDA_MAX_CONCURRENCY: %v", err)
	}
}

func TestLambdaEnvironment(t *testing.T) {
	o := Options{Adapter: "a", Handler: "run.sh", TaskRoot: "/task", Env: []string{"AWS_LAMBDA_RUNTIME_API=mine", "A=1"},
		Environ: []string{"PATH=/bin"}, FunctionName: "fn", Timeout: 7 * time.Second}
	if err := o.Check(); err != nil {
		t.Fatal(err)
	}
	env := o.lambdaEnv("127.0.0.1:9001")
	for key, want := range map[string]string{
		"AWS_LAMBDA_RUNTIME_API":      "127.0.0.1:9001", // reserved: the function's own value loses
		"AWS_LAMBDA_FUNCTION_TIMEOUT": "7", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "_HANDLER": "run.sh",
		"LAMBDA_TASK_ROOT": "/task", "AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap", "A": "1", "PATH": "/bin",
	} {
		if got, _ := envValue(env, key); got != want {
			t.Errorf("%s=%q, want %q", key, got, want)
		}
	}
	if slices.ContainsFunc(extensionEnv(env), func(kv string) bool { return strings.HasPrefix(kv, "_") }) {
		t.Error("the extension got an underscore-prefixed variable")
	}
}

func TestApplyTemplate(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	fn := samtemplate.Function{Name: "Web", Handler: "run.sh", PackageType: "Zip", CodeURI: "app/", Timeout: 9 * time.Second,
		MemorySize: 512, InvokeMode: "RESPONSE_STREAM", Environment: map[string]string{"AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap"}}
	o := Options{MemoryMB: 1024}
	env, warnings, err := ApplyTemplate(&o, fn, dir)
	if err != nil {
		t.Fatal(err)
	}
	if o.Timeout != 9*time.Second || o.MemoryMB != 1024 || o.FunctionName != "Web" || o.Handler != "run.sh" ||
		o.TaskRoot != filepath.Join(dir, "app") || env["AWS_LWA_INVOKE_MODE"] != "response_stream" {
		t.Errorf("options %+v env %v", o, env)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "no Lambda Web Adapter layer") {
		t.Errorf("warnings %v", warnings)
	}
	if _, _, err := ApplyTemplate(&Options{}, samtemplate.Function{Name: "Img", PackageType: "Image"}, dir); err == nil ||
		!strings.Contains(err.Error(), "image function") {
		t.Errorf("image function without a command: %v", err)
	}
	if _, _, err := ApplyTemplate(&Options{}, samtemplate.Function{Name: "Py", Handler: "app.handler"}, dir); err == nil ||
		!strings.Contains(err.Error(), "wrapper") {
		t.Errorf("zip function without the wrapper: %v", err)
	}
}

func TestReadPrelude(t *testing.T) {
	in := `{"statusCode":200}` + strings.Repeat("\x00", 8) + "body"
	br := bufio.NewReader(strings.NewReader(in))
	head, err := readPrelude(br)
	rest, _ := br.ReadString(0)
	if err != nil || string(head) != `{"statusCode":200}` || rest != "body" {
		t.Fatalf("head %q rest %q err %v", head, rest, err)
	}
	for _, bad := range []string{`{"statusCode":200}` + "\x00\x00x", `{"statusCode":200}`} {
		if _, err := readPrelude(bufio.NewReader(strings.NewReader(bad))); err == nil {
			t.Errorf("prelude %q accepted", bad)
		}
	}
}

func TestLineWriterPrefixesWholeLines(t *testing.T) {
	var out bytes.Buffer
	w := &lineWriter{prefix: "[app] ", out: &out}
	_, _ = w.Write([]byte("one\ntw"))
	_, _ = w.Write([]byte("o\r\nthree"))
	w.flush()
	if out.String() != "[app] one\n[app] two\n[app] three\n" {
		t.Fatalf("%q", out.String())
	}
	if got := w.recent(); !slices.Equal(got, []string{"one", "two", "three"}) {
		t.Fatalf("recent %q", got)
	}
}
