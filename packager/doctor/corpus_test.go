package doctor_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lwa-go/lwa/packager/doctor"
	"github.com/lwa-go/lwa/packager/registry"
	"github.com/lwa-go/lwa/packager/samtemplate"
)

// wrapper is the configuration of a correct zip function.
var wrapper = map[string]string{"AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap", "AWS_LWA_PORT": "8000"}

func with(base map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func template(t *testing.T, text string) *samtemplate.Function {
	t.Helper()
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	fn, err := tpl.Function("")
	if err != nil {
		t.Fatal(err)
	}
	return &fn
}

const nodeTemplate = `Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: run.sh
      Runtime: nodejs22.x
      Environment:
        Variables:
          AWS_LAMBDA_EXEC_WRAPPER: /opt/bootstrap
          AWS_LWA_PORT: 8000
`

// corpusCase is one artifact and the exact set of findings it must produce.
type corpusCase struct {
	name  string
	build func(t *testing.T, host string) doctor.Options
	want  []string
}

func zipCase(files func() []file, env map[string]string) func(*testing.T, string) doctor.Options {
	return func(t *testing.T, _ string) doctor.Options {
		return doctor.Options{Target: writeZip(t, files()), Env: env}
	}
}

func corpus() []corpusCase {
	layer := func(f func([]file) []file) func() []file {
		return func() []file { return f(layerFiles(adapterAMD64)) }
	}
	fn := func(f func([]file) []file) func() []file {
		return func() []file { return f(functionFiles()) }
	}
	script := func(mode int, data string) func([]file) []file {
		return func(fs []file) []file {
			return replace(fs, "run.sh", &file{name: "run.sh", mode: os.FileMode(mode), data: data})
		}
	}
	image := func(s imageSpec, env map[string]string, store string) func(*testing.T, string) doctor.Options {
		return func(t *testing.T, host string) doctor.Options {
			img := functionImage(t, s)
			o := doctor.Options{Env: env}
			switch store {
			case "layout":
				o.Target = writeLayout(t, img, nil)
			case "tarball":
				o.Target = writeTarball(t, img)
			default:
				o.Target = push(t, host, "fn", img, nil)
			}
			return o
		}
	}
	cfgImage := func(kv ...string) func(*testing.T, string) doctor.Options {
		return image(imageSpec{}, with(nil, kv...), "registry")
	}
	return []corpusCase{
		// Good artifacts: no findings.
		{"good layer zip", zipCase(layer(func(f []file) []file { return f }), nil), nil},
		{"good function zip", zipCase(fn(func(f []file) []file { return f }), wrapper), nil},
		{"good function zip with template", func(t *testing.T, _ string) doctor.Options {
			return doctor.Options{Target: writeZip(t, functionFiles()), Function: template(t, nodeTemplate)}
		}, nil},
		{"good root dir", func(t *testing.T, _ string) doctor.Options {
			dir := t.TempDir()
			writeDir(t, filepath.Join(dir, "var", "task"), functionFiles())
			writeDir(t, filepath.Join(dir, "opt"), layerFiles(adapterAMD64))
			return doctor.Options{Target: dir, Env: wrapper, Arch: "x86_64"}
		}, nil},
		{"good unpacked layer", func(t *testing.T, _ string) doctor.Options {
			dir := t.TempDir()
			writeDir(t, dir, layerFiles(adapterAMD64))
			return doctor.Options{Target: dir}
		}, nil},
		{"LWA002 unpacked layer, adapter 0600", func(t *testing.T, _ string) doctor.Options {
			dir := t.TempDir()
			writeDir(t, dir, replace(layerFiles(adapterAMD64), "extensions/lambda-adapter", &file{name: "extensions/lambda-adapter", mode: 0o600, data: string(adapterAMD64)}))
			return doctor.Options{Target: dir}
		}, []string{"LWA002"}},
		{"good image layout", image(imageSpec{}, nil, "layout"), nil},
		{"good image tarball", image(imageSpec{}, nil, "tarball"), nil},
		{"good image registry, user app", image(imageSpec{cfg: v1.Config{User: "app"}}, nil, "registry"), nil},

		// The adapter.
		{"LWA001 layer without adapter", zipCase(layer(func(f []file) []file { return replace(f, "extensions/lambda-adapter", nil) }), nil), []string{"LWA001"}},
		{"LWA001 image without adapter", image(imageSpec{opt: []file{{name: "opt/", mode: 0o755}}}, nil, "layout"), []string{"LWA001"}},
		{"LWA002 adapter 0644", zipCase(layer(func(f []file) []file {
			return replace(f, "extensions/lambda-adapter", &file{name: "extensions/lambda-adapter", mode: 0o644, data: string(adapterAMD64)})
		}), nil), []string{"LWA002"}},
		{"LWA003 dynamic adapter", func(t *testing.T, _ string) doctor.Options {
			return doctor.Options{Target: writeZip(t, layerFiles(dynamicELF(t)))}
		}, []string{"LWA003"}},
		{"LWA003 script as adapter", zipCase(func() []file { return layerFiles([]byte("#!/bin/sh\necho hi\n")) }, nil), []string{"LWA003"}},
		{"LWA004 arm64 adapter in x86_64 function", func(t *testing.T, _ string) doctor.Options {
			return doctor.Options{Target: writeZip(t, layerFiles(adapterARM64())), Arch: "x86_64"}
		}, []string{"LWA004"}},
		{"LWA004 arm64 adapter in amd64 image", image(imageSpec{opt: optFiles(adapterARM64())}, nil, "tarball"), []string{"LWA004"}},
		{"LWA005 not lwa's adapter", zipCase(func() []file { return layerFiles(staticELF()) }, nil), []string{"LWA005"}},
		{"LWA006 layer without bootstrap", zipCase(layer(func(f []file) []file { return replace(f, "bootstrap", nil) }), nil), []string{"LWA006"}},
		{"LWA006 root dir without bootstrap", func(t *testing.T, _ string) doctor.Options {
			dir := t.TempDir()
			writeDir(t, filepath.Join(dir, "var", "task"), functionFiles())
			writeDir(t, filepath.Join(dir, "opt"), replace(layerFiles(adapterAMD64), "bootstrap", nil))
			return doctor.Options{Target: dir, Env: wrapper}
		}, []string{"LWA006"}},
		{"LWA007 bootstrap 0644", zipCase(layer(func(f []file) []file {
			return replace(f, "bootstrap", &file{name: "bootstrap", mode: 0o644, data: bootstrapScript})
		}), nil), []string{"LWA007"}},

		// Zip functions.
		{"LWA010 handler missing", func(t *testing.T, _ string) doctor.Options {
			return doctor.Options{Target: writeZip(t, replace(functionFiles(), "run.sh", nil)), Function: template(t, nodeTemplate)}
		}, []string{"LWA010"}},
		{"LWA010 the code in a folder inside the zip", func(t *testing.T, _ string) doctor.Options {
			var nested []file
			for _, f := range functionFiles() {
				nested = append(nested, file{name: "myapp/" + f.name, mode: f.mode, data: f.data})
			}
			return doctor.Options{Target: writeZip(t, nested), Function: template(t, nodeTemplate)}
		}, []string{"LWA010"}},
		{"LWA011 handler 0644", zipCase(fn(script(0o644, runScript)), wrapper), []string{"LWA011"}},
		{"LWA011 handler 0644 in a directory", func(t *testing.T, _ string) doctor.Options {
			dir := t.TempDir()
			writeDir(t, dir, script(0o644, runScript)(functionFiles()))
			return doctor.Options{Target: dir, Env: wrapper}
		}, []string{"LWA011"}},
		{"LWA012 no shebang", zipCase(fn(script(0o755, "exec node index.js\n")), wrapper), []string{"LWA012"}},
		{"LWA013 CRLF", zipCase(fn(script(0o755, "#!/bin/bash\r\nexec node index.js\r\n")), wrapper), []string{"LWA013"}},
		{"LWA014 exec only redirects", zipCase(fn(script(0o755, "#!/bin/sh\nexec >/tmp/log 2>&1\nnode index.js\n")), wrapper), []string{"LWA014"}},
		{"good: exec in an if/else", zipCase(fn(script(0o755, "#!/bin/sh\nif [ -n \"$DEBUG\" ]; then\n  exec node --inspect index.js\nelse\n  exec node index.js\nfi\n")), wrapper), nil},
		{"LWA014 no exec", zipCase(fn(script(0o755, "#!/bin/bash\ncd /var/task\nnode index.js\n")), wrapper), []string{"LWA014"}},
		{"LWA015 wrapper unset", func(t *testing.T, _ string) doctor.Options {
			return doctor.Options{Target: writeZip(t, functionFiles()), Env: map[string]string{"AWS_LWA_PORT": "8000"}}
		}, []string{"LWA015"}},

		// Images.
		{"LWA020 index", func(t *testing.T, _ string) doctor.Options {
			idx := indexOf(t, functionImage(t, imageSpec{arch: "amd64"}), functionImage(t, imageSpec{arch: "arm64"}))
			return doctor.Options{Target: writeLayout(t, nil, idx)}
		}, []string{"LWA020"}},
		{"LWA021 amd64 image for arm64", func(t *testing.T, _ string) doctor.Options {
			return doctor.Options{Target: writeTarball(t, functionImage(t, imageSpec{})), Arch: "arm64"}
		}, []string{"LWA021"}},
		{"LWA021 index without arm64", func(t *testing.T, host string) doctor.Options {
			return doctor.Options{Target: push(t, host, "amd", nil, indexOf(t, functionImage(t, imageSpec{}))), Arch: "arm64"}
		}, []string{"LWA021"}},
		{"LWA022 no entrypoint", image(imageSpec{noCmd: true}, nil, "registry"), []string{"LWA022"}},
		{"LWA023 user cannot list /opt/extensions", image(imageSpec{cfg: v1.Config{User: "1000"}, opt: []file{
			{name: "opt/", mode: 0o755}, {name: "opt/extensions/", mode: 0o700},
			{name: "opt/extensions/lambda-adapter", mode: 0o755, data: string(adapterAMD64)},
		}}, nil, "registry"), []string{"LWA023"}},
		{"LWA023 named user cannot execute the adapter", image(imageSpec{cfg: v1.Config{User: "app"}, opt: []file{
			{name: "opt/", mode: 0o755}, {name: "opt/extensions/", mode: 0o755},
			{name: "opt/extensions/lambda-adapter", mode: 0o744, data: string(adapterAMD64)},
		}}, nil, "layout"), []string{"LWA023"}},
		{"LWA024 image over the limit", func(t *testing.T, _ string) doctor.Options {
			o := doctor.Options{Target: writeLayout(t, functionImage(t, imageSpec{}), nil)}
			o.Limits = doctor.LambdaLimits()
			o.Limits.ImageBytes = 1 << 10 // the test's limit: 1 KiB
			return o
		}, []string{"LWA024"}},
		{"LWA030 zip over the limit", func(t *testing.T, _ string) doctor.Options {
			o := doctor.Options{Target: writeZip(t, layerFiles(adapterAMD64)), Limits: doctor.LambdaLimits()}
			o.Limits.ZipBytes = 1 << 20
			return o
		}, []string{"LWA030"}},
		{"LWA031 unzipped over the limit", func(t *testing.T, _ string) doctor.Options {
			o := doctor.Options{Target: writeZip(t, layerFiles(adapterAMD64)), Limits: doctor.LambdaLimits()}
			o.Limits.UnzippedBytes = 4 << 20
			return o
		}, []string{"LWA031"}},

		// Configuration.
		{"LWA040 invalid port", cfgImage("AWS_LWA_PORT", "abc"), []string{"LWA040"}},
		{"LWA040 invalid invoke mode in a zip's env", zipCase(fn(func(f []file) []file { return f }), with(wrapper, "AWS_LWA_INVOKE_MODE", "stream")), []string{"LWA040"}},
		{"LWA041 misspelt", cfgImage("AWS_LWA_INVOKE_MOD", "buffered"), []string{"LWA041"}},
		{"LWA042 TLS", cfgImage("AWS_LWA_ENABLE_TLS", "true"), []string{"LWA042"}},
		{"LWA043 deprecated alias", cfgImage("READINESS_CHECK_PATH", "/health"), []string{"LWA043"}},
		{"LWA044 port 9001", cfgImage("AWS_LWA_PORT", "9001"), []string{"LWA044"}},
		{"LWA045 port 3000", cfgImage("AWS_LWA_PORT", "3000"), []string{"LWA045"}},
		{"LWA046 port 80", cfgImage("AWS_LWA_PORT", "80"), []string{"LWA046"}},
		{"LWA047 readiness on another port", cfgImage("AWS_LWA_READINESS_CHECK_PORT", "8081"), []string{"LWA047"}},
		{"LWA048 compression with streaming", cfgImage("AWS_LWA_ENABLE_COMPRESSION", "true", "AWS_LWA_INVOKE_MODE", "response_stream"), []string{"LWA048"}},
		{"LWA049 URL streams, adapter buffers", func(t *testing.T, _ string) doctor.Options {
			fn := template(t, nodeTemplate+"      FunctionUrlConfig:\n        AuthType: NONE\n        InvokeMode: RESPONSE_STREAM\n")
			return doctor.Options{Target: writeZip(t, functionFiles()), Function: fn}
		}, []string{"LWA049"}},
		{"LWA050 other start warning", cfgImage("AWS_LWA_ASYNC_INIT", "true", "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "5"), []string{"LWA050"}},
	}
}

// TestCorpus: each broken artifact produces exactly its finding, and the correct ones none.
func TestCorpus(t *testing.T) {
	host := startRegistry(t)
	covered := map[string]bool{}
	for _, c := range corpus() {
		t.Run(c.name, func(t *testing.T) {
			o := c.build(t, host)
			o.Registry = registry.New(registry.Options{})
			rep, err := doctor.Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				got = append(got, f.ID)
				covered[f.ID] = true
				if f.Seen == "" || f.Fix == "" || f.Title == "" {
					t.Errorf("finding %s lacks what was seen, the fix or a title: %+v", f.ID, f)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("findings %v, want %v:\n%+v\nnotes: %q", got, c.want, rep.Findings, rep.Notes)
			}
		})
	}
	for _, id := range doctor.IDs() {
		if !covered[id] {
			t.Errorf("no artifact in the corpus produces %s", id)
		}
	}
}

// TestTemplateIntrinsicsNotValidated: an environment value that is an intrinsic (`!Ref Port`) is
// known only when deployed: it is left out of the validation and named in a note, not reported
// as an invalid value.
func TestTemplateIntrinsicsNotValidated(t *testing.T) {
	fn := template(t, nodeTemplate+"          AWS_LWA_READINESS_CHECK_PORT: !Ref HealthPort\n")
	rep, err := doctor.Run(context.Background(), doctor.Options{Target: writeZip(t, functionFiles()), Function: fn})
	if err != nil {
		t.Fatal(err)
	}
	want := "not checked: Environment.Variables.AWS_LWA_READINESS_CHECK_PORT: !Ref HealthPort (an intrinsic, known only when deployed)"
	if len(rep.Findings) != 0 || !slices.Contains(rep.Notes, want) {
		t.Errorf("findings %+v, notes %q; want none and the note %q", rep.Findings, rep.Notes, want)
	}
}

// TestNestedHandlerHint: code zipped inside a folder gets LWA010 naming where the script is.
func TestNestedHandlerHint(t *testing.T) {
	files := []file{{name: "myapp/", mode: 0o755}, {name: "myapp/run.sh", mode: 0o755, data: runScript}}
	rep, err := doctor.Run(context.Background(), doctor.Options{Target: writeZip(t, files), Function: template(t, nodeTemplate)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || !strings.HasSuffix(rep.Findings[0].Seen, "(there is myapp/run.sh: the code sits in a folder inside the zip)") ||
		!strings.HasPrefix(rep.Findings[0].Fix, "zip the folder's contents, not the folder") {
		t.Errorf("findings %+v", rep.Findings)
	}
}
