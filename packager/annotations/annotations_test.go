package annotations

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	got := Defaults(Info{Version: "1.2.3", Created: time.Unix(1700000000, 0), Revision: "abc",
		BaseName: "public.ecr.aws/lambda/nodejs:22", BaseDigest: "sha256:00"})
	want := map[string]string{
		Created: "2023-11-14T22:13:20Z", Version: "1.2.3", Revision: "abc", Source: Repository,
		Title: "lambda-adapter", Licenses: "Apache-2.0",
		BaseName: "public.ecr.aws/lambda/nodejs:22", BaseDigest: "sha256:00",
	}
	if !maps.Equal(got, want) {
		t.Errorf("Defaults = %v\nwant %v", got, want)
	}
	noRev := Defaults(Info{Version: "1.2.3", Created: time.Unix(1700000000, 0)})
	if _, ok := noRev[Revision]; ok {
		t.Error("an unknown revision is set")
	}
	if _, ok := noRev[BaseName]; ok {
		t.Error("base annotations set without a base")
	}
}

func TestParseAndMerge(t *testing.T) {
	user, err := Parse("--annotation", []string{"a=1", "b=x=y", "a=2", "empty="})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"a": "2", "b": "x=y", "empty": ""}; !maps.Equal(user, want) {
		t.Errorf("Parse = %v, want %v", user, want)
	}
	for _, bad := range []string{"novalue", "=v", "a b=c"} {
		if _, err := Parse("--label", []string{bad}); err == nil || !strings.Contains(err.Error(), "--label") {
			t.Errorf("Parse(%q): %v, want an error naming --label", bad, err)
		}
	}
	defaults := map[string]string{Version: "1", Title: "lambda-adapter"}
	got := Merge(true, defaults, map[string]string{Title: "mine"})
	if want := map[string]string{Version: "1", Title: "mine"}; !maps.Equal(got, want) {
		t.Errorf("Merge = %v, want %v", got, want)
	}
	if got := Merge(false, defaults, map[string]string{"k": "v"}); !maps.Equal(got, map[string]string{"k": "v"}) {
		t.Errorf("Merge without defaults = %v", got)
	}
	if got := Merge(false, defaults, nil); got != nil {
		t.Errorf("Merge of nothing = %v, want nil", got)
	}
}

func TestGitRevision(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if rev := GitRevision(ctx, dir); rev != "" {
		t.Fatalf("not a checkout: revision %q", rev)
	}
	git := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "f")
	git("commit", "-qm", "c")
	rev := GitRevision(ctx, dir)
	if len(rev) != 40 {
		t.Fatalf("clean checkout: revision %q, want the commit", rev)
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("2"), 0o644); err != nil {
		t.Fatal(err)
	}
	if rev := GitRevision(ctx, dir); rev != "" {
		t.Errorf("dirty checkout: revision %q, want none", rev)
	}
}
