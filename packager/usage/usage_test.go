package usage

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// testApp is a two-command app shaped like lwa-pack's, so these tests do not depend on its flags.
func testApp(stdout, stderr *bytes.Buffer, got *string) *cli.App {
	app := &cli.App{
		Name: "lwa-pack", Writer: stdout, ErrWriter: stderr, EnableBashCompletion: true, HideVersion: true,
		Commands: []*cli.Command{
			{Name: "layer", Usage: "write layer zips", Flags: []cli.Flag{
				&cli.StringSliceFlag{Name: "platform", EnvVars: []string{"LWA_PACK_PLATFORM"}, Usage: "platforms to build"},
				&cli.StringFlag{Name: "version", EnvVars: []string{"LWA_PACK_VERSION"}, Usage: "version stamped into the adapter"},
				&cli.BoolFlag{Name: "push", EnvVars: []string{"LWA_PACK_PUSH"}, Usage: "push"},
			}, Action: func(c *cli.Context) error {
				*got = FlagRef(c, "platform") + " " + FlagRef(c, "version") + " " + FlagRef(c, "push")
				return nil
			}},
			{Name: "image", Usage: "build images"},
			{Name: "local", Usage: "run here", Flags: []cli.Flag{
				&cli.IntFlag{Name: "port", EnvVars: []string{"LWA_PACK_PORT"}, Usage: "front door port"},
			}, Subcommands: []*cli.Command{{Name: "invoke", Usage: "send one event", Flags: []cli.Flag{
				&cli.StringFlag{Name: "event", EnvVars: []string{"LWA_PACK_EVENT"}, Usage: "event file"},
			}}}},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return UnknownCommand(c, c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
	}
	Install(app)
	app.Commands = append(app.Commands, CompletionCommand())
	return app
}

func run(t *testing.T, env map[string]string, args ...string) (stdout, stderr, ref string, err error) {
	t.Helper()
	for _, k := range []string{"LWA_PACK_PLATFORM", "LWA_PACK_VERSION", "LWA_PACK_PUSH"} {
		t.Setenv(k, env[k])
		if env[k] == "" {
			os.Unsetenv(k)
		}
	}
	var o, e bytes.Buffer
	err = testApp(&o, &e, &ref).RunContext(context.Background(), append([]string{"lwa-pack"}, args...))
	return o.String(), e.String(), ref, err
}

func TestMistakes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"layer", "--plaform", "x"}, "unknown flag --plaform for \"lwa-pack layer\"; did you mean --platform?\nRun 'lwa-pack help layer' for usage."},
		{[]string{"layer", "--zzzzzzzz"}, "unknown flag --zzzzzzzz for \"lwa-pack layer\"\nRun 'lwa-pack help layer' for usage."},
		{[]string{"layer", "--version"}, "--version needs a value: version stamped into the adapter; lwa-pack's own version is printed by `lwa-pack version`\nRun 'lwa-pack help layer' for usage."},
		{[]string{"layer", "--push=maybe"}, "invalid boolean value \"maybe\" for --push: parse error\nRun 'lwa-pack help layer' for usage."},
		{[]string{"imgae"}, "unknown command \"imgae\"; did you mean \"image\"?\nRun 'lwa-pack --help' for usage."},
		{[]string{"--verbose"}, "unknown flag --verbose for \"lwa-pack\"\nRun 'lwa-pack --help' for usage."},
		{[]string{"help", "imgae"}, "unknown command \"imgae\"; did you mean \"image\"?\nRun 'lwa-pack --help' for usage."},
		{[]string{"completion", "bsh"}, "unknown shell \"bsh\"; did you mean \"bash\"? (bash, zsh or fish)\nRun 'lwa-pack help completion' for usage."},
	} {
		stdout, stderr, _, err := run(t, nil, tc.args...)
		if err == nil || err.Error() != tc.want || !IsUsage(err) {
			t.Errorf("%q: error\n%v\nwant\n%s", tc.args, err, tc.want)
		}
		if stdout != "" || stderr != "" {
			t.Errorf("%q printed help: stdout %q stderr %q", tc.args, stdout, stderr)
		}
	}
}

func TestHelpSubcommand(t *testing.T) {
	// A command with subcommands lists them and its own flags, with help and with --help.
	for _, args := range [][]string{{"help", "local"}, {"local", "--help"}} {
		stdout, _, _, err := run(t, nil, args...)
		for _, want := range []string{"lwa-pack local - run here", "COMMANDS:\n   invoke", "--port value", "[$LWA_PACK_PORT]"} {
			if err != nil || !strings.Contains(stdout, want) {
				t.Errorf("%q lacks %q (%v):\n%s", args, want, err, stdout)
			}
		}
	}
	stdout, _, _, err := run(t, nil, "help", "local", "invoke")
	if err != nil || !strings.Contains(stdout, "lwa-pack local invoke - send one event") || !strings.Contains(stdout, "[$LWA_PACK_EVENT]") {
		t.Fatalf("help local invoke: %v\n%s", err, stdout)
	}
	_, _, _, err = run(t, nil, "help", "local", "invok")
	if want := "\"lwa-pack local\" has no subcommand \"invok\"; did you mean \"invoke\"?\nRun 'lwa-pack help local' for usage."; err == nil || err.Error() != want {
		t.Fatalf("err %v, want %s", err, want)
	}
}

func TestHelpCommand(t *testing.T) {
	stdout, _, _, err := run(t, nil, "help", "layer")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"lwa-pack layer - write layer zips", "--platform value", "[$LWA_PACK_PLATFORM]"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help layer lacks %q:\n%s", want, stdout)
		}
	}
	stdout, _, _, err = run(t, nil, "--help")
	if err != nil || !strings.Contains(stdout, "help, h") || !strings.Contains(stdout, "completion") {
		t.Errorf("--help: %v\n%s", err, stdout)
	}
}

func TestFlagRef(t *testing.T) {
	_, _, ref, err := run(t, map[string]string{"LWA_PACK_PLATFORM": "linux/386", "LWA_PACK_PUSH": "1"}, "layer", "--version", "1.0")
	if err != nil {
		t.Fatal(err)
	}
	if ref != "LWA_PACK_PLATFORM=linux/386 --version LWA_PACK_PUSH=1" {
		t.Errorf("refs %q", ref)
	}
	_, _, ref, _ = run(t, map[string]string{"LWA_PACK_PLATFORM": "linux/386", "LWA_PACK_VERSION": "2.0"}, "layer", "--platform", "linux/arm64", "--version", "1.0")
	if ref != "--platform --version --push" {
		t.Errorf("command-line values named as %q", ref)
	}
}

func TestClosest(t *testing.T) {
	for in, want := range map[string]string{"imgae": "image", "plaform": "platform", "layr": "layer", "x": "", "completely-else": ""} {
		if got := Closest([]string{"image", "layer", "platform", "version"}, in); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBashScriptLoads sources the script in a real bash and asks for the completion it registered.
func TestBashScriptLoads(t *testing.T) {
	var o, e bytes.Buffer
	var ref string
	script, err := Script(testApp(&o, &e, &ref), "bash")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lwa-pack.bash")
	os.WriteFile(path, []byte(script), 0o644)
	out, err := exec.Command("bash", "-c", "source "+path+" && complete -p lwa-pack").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "complete -o bashdefault -o default -F _lwa_pack_complete lwa-pack" {
		t.Fatalf("bash: %v\n%s", err, out)
	}
}
