package envvars

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	text := "\ufeff# a comment\n" +
		"\n" +
		"AWS_LWA_PORT=8000\n" +
		"export AWS_LWA_READINESS_CHECK_PATH=/healthz\n" +
		"  SPACED = padded value   \n" +
		"COMMENTED=value # trailing comment\n" +
		"HASH=a#b\n" +
		"SINGLE='literal $HOME \\n' # ok\n" +
		"DOUBLE=\"line\\nnext \\\"q\\\" \\$x \\\\\"\n" +
		"EMPTY=\n" +
		"EQUALS=a=b=c\n" +
		"CRLF=windows\r\n" +
		"exporter=kept\n" +
		"AWS_LWA_PORT=8001\n"
	got, err := Parse(strings.NewReader(text), "test.env")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"AWS_LWA_PORT": "8001", "AWS_LWA_READINESS_CHECK_PATH": "/healthz", "SPACED": "padded value",
		"COMMENTED": "value", "HASH": "a#b", "SINGLE": `literal $HOME \n`, "DOUBLE": "line\nnext \"q\" $x \\",
		"EMPTY": "", "EQUALS": "a=b=c", "CRLF": "windows", "exporter": "kept",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"A=1\nNOVALUE\n", `f.env:2: "NOVALUE": want NAME=VALUE`},
		{"1A=x\n", `f.env:1: invalid variable name "1A"`},
		{"A-B=x\n", `f.env:1: invalid variable name "A-B"`},
		{"=x\n", "f.env:1: empty variable name"},
		{"\n\nA=\"open\n", "f.env:3: A: unterminated double quote"},
		{"A='open\n", "f.env:1: A: unterminated single quote"},
		{"A=\"x\" y\n", `f.env:1: A: unexpected "y" after the closing quote`},
	}
	for _, tt := range tests {
		_, err := Parse(strings.NewReader(tt.text), "f.env")
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error %v, want prefix %q", tt.text, err, tt.want)
		}
	}
}

func TestReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.env")
	if err := os.WriteFile(path, []byte("A=1\nB\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":2: ") {
		t.Errorf("error %v, want it to start with %s:2:", err, path)
	}
	_, err = ReadFile(filepath.Join(t.TempDir(), "missing.env"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.env") {
		t.Errorf("error %v, want not-exist naming the file", err)
	}
}

func TestParsePairs(t *testing.T) {
	got, err := ParsePairs([]string{"A=1", "B=", "C=x=y", "A=2"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"A": "2", "B": "", "C": "x=y"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for item, want := range map[string]string{
		"NOEQUALS": `--env "NOEQUALS": want NAME=VALUE`,
		"9X=1":     `--env "9X=1": invalid variable name "9X"`,
	} {
		if _, err := ParsePairs([]string{item}); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("ParsePairs(%q) error %v, want prefix %q", item, err, want)
		}
	}
}

func TestMerge(t *testing.T) {
	got := Merge(map[string]string{"A": "t", "B": "t"}, map[string]string{"B": "f", "C": "f"}, map[string]string{"C": "e"})
	if want := map[string]string{"A": "t", "B": "f", "C": "e"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
