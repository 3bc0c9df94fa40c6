package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var got []string
	cmds := Commands{"echo": func(_ context.Context, args []string, env Env) error {
		got = args
		env.Logf("ran with %d", len(args))
		return nil
	}}
	var out, errs bytes.Buffer
	env := Env{Name: "release test", Lookup: func(string) (string, bool) { return "", false }, Stdout: &out, Stderr: &errs}
	if err := Run(context.Background(), []string{"echo", "a", "b"}, env, "USAGE\n", cmds); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "a b" || errs.String() != "release test: ran with 2\n" || out.Len() != 0 {
		t.Errorf("args %q, stderr %q, stdout %q", got, errs.String(), out.String())
	}
	for _, tt := range []struct {
		args           []string
		err, out, errs string
	}{
		{nil, "no command", "", "USAGE\n"},
		{[]string{"publish"}, `unknown command "publish"`, "", "USAGE\n"},
		{[]string{"help"}, "", "USAGE\n", ""},
	} {
		out.Reset()
		errs.Reset()
		err := Run(context.Background(), tt.args, env, "USAGE\n", cmds)
		if (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("%q: err %v, want %q", tt.args, err, tt.err)
		}
		if out.String() != tt.out || errs.String() != tt.errs {
			t.Errorf("%q: stdout %q, stderr %q", tt.args, out.String(), errs.String())
		}
	}
}

func TestRequired(t *testing.T) {
	fs := NewFlagSet("sign", new(bytes.Buffer))
	fs.String("artifact", "", "")
	fs.String("key", "", "")
	if err := fs.Parse([]string{"--artifact=a"}); err != nil {
		t.Fatal(err)
	}
	if err := Required(fs, "artifact", "key"); err == nil || err.Error() != "sign: --key is required" {
		t.Errorf("missing flag: %v", err)
	}
	if err := fs.Parse([]string{"--artifact=a", "--key=k", "extra"}); err != nil {
		t.Fatal(err)
	}
	if err := Required(fs, "artifact", "key"); err == nil || err.Error() != `sign: unexpected argument "extra"` {
		t.Errorf("left-over argument: %v", err)
	}
	if err := fs.Parse([]string{"--nope"}); err == nil {
		t.Error("an unknown flag parsed")
	}
}
