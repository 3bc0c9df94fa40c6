package commands

import (
	"bytes"
	"context"
	"debug/elf"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/internal/testenv"
)

// TestMain lets the test binary be lwa-pack for the shells the completion tests start.
func TestMain(m *testing.M) {
	if os.Getenv("COMMANDS_TEST_AS_LWA_PACK") == "1" {
		err := New(Options{Version: "v0-test", Stdout: os.Stdout, Stderr: os.Stderr}).RunContext(context.Background(), os.Args)
		if err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestEveryFlagHasAnEnvTwin walks every command's flags: each has an LWA_PACK_* variable, and
// `help COMMAND` shows it. (--help, and the root's --version which prints lwa-pack's version, are
// questions, not settings.)
func TestEveryFlagHasAnEnvTwin(t *testing.T) {
	app := New(Options{})
	var walk func(prefix string, cmds []*cli.Command)
	checked := 0
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			path := strings.TrimSpace(prefix + " " + c.Name)
			help := runApp(t, Options{}, append(strings.Fields("help "+strings.Fields(path)[0]), strings.Fields(path)[1:]...)...).stdout
			for _, f := range c.Flags {
				name := f.Names()[0]
				if name == "help" {
					continue
				}
				env, _ := f.(interface{ GetEnvVars() []string })
				var twin string
				if env != nil {
					for _, v := range env.GetEnvVars() {
						if strings.HasPrefix(v, "LWA_PACK_") {
							twin = v
							break
						}
					}
				}
				if twin == "" {
					t.Errorf("%s --%s has no LWA_PACK_* variable", path, name)
					continue
				}
				if !strings.Contains(help, "$"+twin) {
					t.Errorf("help %s does not show %s for --%s", path, twin, name)
				}
				checked++
			}
			walk(path, c.Subcommands)
		}
	}
	walk("", app.Commands)
	if checked < 20 {
		t.Fatalf("only %d flags checked: the walk missed commands", checked)
	}
}

// TestEnvTwinsAreUsed: values from the variables take effect, and a bad one is reported as the
// variable, not as the flag.
func TestEnvTwinsAreUsed(t *testing.T) {
	amd := fakeELF(t, elf.EM_X86_64, "amd64")
	out := filepath.Join(t.TempDir(), "dist")
	r := runAppEnv(t, map[string]string{"LWA_PACK_BINARY": "linux/amd64=" + amd, "LWA_PACK_OUTPUT": out, "LWA_PACK_VERSION": "7.7.7", "LWA_PACK_JSON": "true", "LWA_PACK_QUIET": "1", "LWA_PACK_SBOM": "false"}, Options{}, "layer")
	if r.err != nil || !strings.Contains(r.stdout, `"version": "7.7.7"`) || r.stderr != "" {
		t.Fatalf("layer from variables: %v\nstdout %s\nstderr %s", r.err, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "lambda-adapter-layer-7.7.7-x86_64.zip")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"LWA_PACK_PLATFORM": "linux/386"}, []string{"layer"},
			`LWA_PACK_PLATFORM=linux/386: unsupported platform "linux/386" (supported: linux/amd64, linux/arm64, all)`},
		{map[string]string{"LWA_PACK_VERSION": "1.0/x"}, []string{"layer", "--binary", "linux/amd64=" + amd},
			`LWA_PACK_VERSION=1.0/x: use 1 to 128 letters, digits and . _ + -, starting with a letter or digit (it is part of file names and tags; + becomes _ in tags)`},
		{map[string]string{"LWA_PACK_PUSH": "Bad/Repo"}, []string{"image", "--binary", "linux/amd64=" + amd},
			`LWA_PACK_PUSH=Bad/Repo: not an image reference: repository "Bad/Repo" has upper-case letters (repository names are lower-case: bad/repo)`},
		{map[string]string{"LWA_PACK_TAG": "ok,no+pe"}, []string{"image", "--push", "127.0.0.1:1/x", "--binary", "linux/amd64=" + amd},
			`LWA_PACK_TAG=ok,no+pe: "no+pe": tag "no+pe": '+' is not allowed there (a tag is 1 to 128 letters, digits, _ . and -, not starting with . or -)`},
		{map[string]string{"LWA_PACK_OUTPUT": "dist"}, []string{"image", "--binary", "linux/amd64=" + amd},
			`LWA_PACK_OUTPUT=dist: want oci:DIR or tar:FILE`},
		{map[string]string{"SOURCE_DATE_EPOCH": "soon"}, []string{"layer", "--binary", "linux/amd64=" + amd, "--output", t.TempDir()},
			`SOURCE_DATE_EPOCH=soon: want a Unix time in seconds`},
		{map[string]string{"LWA_PACK_REGION": "mars-1"}, []string{"publish", "--binary", "linux/amd64=" + amd},
			`LWA_PACK_REGION=mars-1: region "mars-1": not an AWS region name (like us-east-1 or eu-central-2)`},
	} {
		r := runAppEnv(t, tc.env, Options{}, tc.args...)
		if r.err == nil || r.err.Error() != tc.want {
			t.Errorf("%v %q:\n%v\nwant\n%s", tc.env, tc.args, r.err, tc.want)
		}
	}
}

// TestMistakes: the messages of the issue, exact, on the error (main prints it on stderr and
// exits 2), with nothing on stdout.
func TestMistakes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"imgae"}, "unknown command \"imgae\"; did you mean \"image\"?\nRun 'lwa-pack --help' for usage."},
		{[]string{"layer", "--plaform", "linux/arm64"}, "unknown flag --plaform for \"lwa-pack layer\"; did you mean --platform?\nRun 'lwa-pack help layer' for usage."},
		{[]string{"image", "--layer-olny"}, "unknown flag --layer-olny for \"lwa-pack image\"; did you mean --layer-only?\nRun 'lwa-pack help image' for usage."},
		{[]string{"layer", "--version"}, "--version needs a value: version stamped into the adapter and the artifacts' names (default: lwa-pack's version); lwa-pack's own version is printed by `lwa-pack version`\nRun 'lwa-pack help layer' for usage."},
		{[]string{"help", "publsh"}, "unknown command \"publsh\"; did you mean \"publish\"?\nRun 'lwa-pack --help' for usage."},
		{[]string{"completion", "powershell"}, "unknown shell \"powershell\": use bash, zsh or fish\nRun 'lwa-pack help completion' for usage."},
	} {
		r := runApp(t, Options{}, tc.args...)
		if r.err == nil || r.err.Error() != tc.want {
			t.Errorf("%q:\n%v\nwant\n%s", tc.args, r.err, tc.want)
		}
		if r.stdout != "" {
			t.Errorf("%q printed on stdout:\n%s", tc.args, r.stdout)
		}
	}
}

func TestHelpCommand(t *testing.T) {
	for _, cmd := range []string{"layer", "image", "publish", "completion"} {
		r := runApp(t, Options{}, "help", cmd)
		if r.err != nil || !strings.HasPrefix(r.stdout, "NAME:\n   lwa-pack "+cmd+" - ") {
			t.Errorf("help %s: %v\n%s", cmd, r.err, r.stdout)
		}
	}
	r := runApp(t, Options{}, "help", "image")
	for _, want := range []string{"--push value", "[$LWA_PACK_PUSH]", "--base value", "[$LWA_PACK_BASE]"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help image lacks %q", want)
		}
	}
	if r := runApp(t, Options{}, "image", "--help"); !strings.HasPrefix(r.stdout, "NAME:\n   lwa-pack image - ") {
		t.Errorf("image --help:\n%s", r.stdout)
	}
}

// TestCompletionInBash loads `lwa-pack completion bash` in bash, as the issue asks
// (source <(lwa-pack completion bash) && complete -p lwa-pack), then completes with it: the test
// binary is lwa-pack on PATH.
func TestCompletionInBash(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(dir, "lwa-pack")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", `source <(lwa-pack completion bash) && complete -p lwa-pack
COMP_WORDS=(lwa-pack pub); COMP_CWORD=1; _lwa_pack_complete; echo "1:${COMPREPLY[*]}"
COMP_WORDS=(lwa-pack image --lay); COMP_CWORD=2; _lwa_pack_complete; echo "2:${COMPREPLY[*]}"`)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "COMMANDS_TEST_AS_LWA_PACK=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("bash: %v\n%s", err, out.String())
	}
	want := "complete -o bashdefault -o default -F _lwa_pack_complete lwa-pack\n1:publish\n2:--layer-only\n"
	if out.String() != want {
		t.Fatalf("bash printed\n%s\nwant\n%s", out.String(), want)
	}
}

// TestPushTags: no tag anywhere means latest, with --base too (lwa-pack's version is never the
// user's tag); --tag replaces latest; each tag is printed with the digest.
func TestPushTags(t *testing.T) {
	host := testenv.InProcessRegistry(t)
	base := host + "/app:1"
	pushBase(t, base, v1Platform("amd64"))
	bins := binFlags(t)
	r := runApp(t, Options{Version: "v0.9.0"}, append([]string{"image", "--base", base, "--push", host + "/app2", "--platform", "linux/amd64"}, bins...)...)
	if r.err != nil {
		t.Fatal(r.err)
	}
	tags, err := remote.List(parseRef(t, host+"/app2").Context())
	if err != nil || !slices.Equal(tags, []string{"latest"}) {
		t.Fatalf("tags %v %v, want [latest]", tags, err)
	}
	desc, _ := remote.Get(parseRef(t, host+"/app2:latest"))
	if want := "pushed " + host + "/app2:latest@" + desc.Digest.String() + "\n"; !strings.HasSuffix(r.stdout, want) {
		t.Errorf("stdout %q, want it to end with %q", r.stdout, want)
	}

	r = runApp(t, Options{}, append([]string{"image", "--version", "1.2.3+build.5", "--push", host + "/app3", "--tag", "1.2.3_build.5", "--tag", "stable"}, bins...)...)
	if r.err != nil {
		t.Fatal(r.err)
	}
	tags, _ = remote.List(parseRef(t, host+"/app3").Context())
	if slices.Sort(tags); !slices.Equal(tags, []string{"1.2.3_build.5", "stable"}) {
		t.Errorf("tags %v", tags)
	}
}

// TestBaseOnlyOtherPlatform: a single-platform amd64 base and only an arm64 binary.
func TestBaseOnlyOtherPlatform(t *testing.T) {
	host := testenv.InProcessRegistry(t)
	img, _ := random.Image(64, 1)
	cfgd := mustConfig(t, img, "amd64")
	if err := remote.Write(parseRef(t, host+"/amd:1"), cfgd); err != nil {
		t.Fatal(err)
	}
	arm := fakeELF(t, elf.EM_AARCH64, "arm64")
	r := runApp(t, Options{}, "image", "--base", host+"/amd:1", "--binary", "linux/arm64="+arm, "--push", host+"/x")
	want := "--base " + host + "/amd:1: has no linux/arm64 image (has: linux/amd64): the --binary files given are for linux/arm64 only; add --binary PLATFORM=PATH for the base's platform, or leave out --binary to compile"
	if r.err == nil || r.err.Error() != want {
		t.Fatalf("err\n%v\nwant\n%s", r.err, want)
	}
}

// TestFailedPushNamesWrittenOutputs: several outputs, and a registry that takes the blobs but
// refuses the manifest (the push check before building passes); the error names the outputs
// already written, which stay.
func TestFailedPushNamesWrittenOutputs(t *testing.T) {
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"errors":[{"code":"DENIED","message":"tag is immutable"}]}`)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	defer srv.Close()
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	host := strings.TrimPrefix(srv.URL, "http://")
	oci := filepath.Join(t.TempDir(), "oci")
	tarFile := filepath.Join(t.TempDir(), "a.tar")
	r := runApp(t, Options{}, append([]string{"image", "--output", "oci:" + oci, "--output", "tar:" + tarFile, "--push", host + "/x:1"}, binFlags(t)...)...)
	if r.err == nil || !strings.HasPrefix(r.err.Error(), "--push "+host+"/x:1: ") || !strings.Contains(r.err.Error(), "DENIED: tag is immutable") ||
		!strings.Contains(r.err.Error(), "; written before the failure, and left in place: oci:"+oci+" (sha256:") ||
		!strings.Contains(r.err.Error(), "tar:"+strings.TrimSuffix(tarFile, ".tar")+"-x86_64.tar (sha256:") {
		t.Fatalf("err %v", r.err)
	}
	if _, err := os.Stat(filepath.Join(oci, "index.json")); err != nil {
		t.Fatalf("the layout written before the push is gone: %v", err)
	}
	if r.stdout != "" {
		t.Errorf("a failed run printed a report:\n%s", r.stdout)
	}
}

func v1Platform(arch string) v1.Platform { return v1.Platform{OS: "linux", Architecture: arch} }

// mustConfig returns img as a linux/arch image.
func mustConfig(t *testing.T, img v1.Image, arch string) v1.Image {
	t.Helper()
	cfg, _ := img.ConfigFile()
	cfg.OS, cfg.Architecture = "linux", arch
	img, err := mutate.ConfigFile(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
