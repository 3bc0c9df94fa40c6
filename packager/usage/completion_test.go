package usage

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary stand in for lwa-pack (the test app) when the shells under test
// run it for completions.
func TestMain(m *testing.M) {
	if os.Getenv("USAGE_TEST_AS_APP") == "1" {
		var o, e bytes.Buffer
		var ref string
		app := testApp(&o, &e, &ref)
		err := app.RunContext(context.Background(), os.Args)
		os.Stdout.Write(o.Bytes())
		if err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// shell runs script in shell with the test app on PATH as lwa-pack and its completion script for
// that shell in $SCRIPT.
func shell(t *testing.T, sh string, args ...string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(dir, "lwa-pack")); err != nil {
		t.Fatal(err)
	}
	var o, e bytes.Buffer
	var ref string
	script, err := Script(testApp(&o, &e, &ref), sh)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "completion."+sh)
	os.WriteFile(path, []byte(script), 0o644)
	cmd := exec.Command(sh, args...)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "USAGE_TEST_AS_APP=1", "SCRIPT="+path, "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", sh, args, err, out)
	}
	return string(out)
}

// TestBashCompletes loads the bash script and runs its function as bash does at a TAB.
func TestBashCompletes(t *testing.T) {
	out := shell(t, "bash", "-c", `source "$SCRIPT"
COMP_WORDS=(lwa-pack im); COMP_CWORD=1; _lwa_pack_complete; echo "1:${COMPREPLY[*]}"
COMP_WORDS=(lwa-pack layer --pla); COMP_CWORD=2; _lwa_pack_complete; echo "2:${COMPREPLY[*]}"
COMP_WORDS=(lwa-pack ''); COMP_CWORD=1; _lwa_pack_complete; echo "3:${COMPREPLY[*]}"
COMP_WORDS=(lwa-pack help la); COMP_CWORD=2; _lwa_pack_complete; echo "4:${COMPREPLY[*]}"`)
	for _, want := range []string{"1:image\n", "2:--platform\n", "3:layer image local help h completion\n", "4:layer\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("bash completion lacks %q:\n%s", want, out)
		}
	}
}

func TestZshScriptLoads(t *testing.T) {
	out := shell(t, "zsh", "-f", "-c", `autoload -U compinit && compinit -u -d "$HOME/.zcompdump" && source "$SCRIPT" && print -r -- "$_comps[lwa-pack]"`)
	if strings.TrimSpace(out) != "_lwa_pack_complete" {
		t.Fatalf("zsh registered %q", out)
	}
}

// TestFishCompletes loads fish's script and asks fish itself what it would offer.
func TestFishCompletes(t *testing.T) {
	out := shell(t, "fish", "--no-config", "-c", `source $SCRIPT; complete -C "lwa-pack "; complete -C "lwa-pack layer --pla"`)
	for _, want := range []string{"layer\twrite layer zips", "image\tbuild images", "--platform\tplatforms to build"} {
		if !strings.Contains(out, want) {
			t.Errorf("fish completion lacks %q:\n%s", want, out)
		}
	}
}
