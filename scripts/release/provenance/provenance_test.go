package provenance

import (
	"encoding/json"
	"strings"
	"testing"
)

const (
	commit = "0123456789abcdef0123456789abcdef01234567"
	sumA   = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	sumB   = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func testBuild() Build {
	return Build{Repository: "https://github.com/lwa-go/lwa", Commit: commit, Ref: "refs/tags/v1.2.3",
		Version: "1.2.3", SourceDateEpoch: "1700000000", Image: "ghcr.io/lwa-go/lambda-adapter:1.2.3",
		BuilderID: "https://example.invalid/builder", BuilderVersion: map[string]string{"goreleaser": "v2.15.1"},
		Internal: map[string]string{"go": "go1.26.8"}}
}

func TestStatement(t *testing.T) {
	files, err := FileSubjects(strings.NewReader(sumB + "  b.zip\n" + sumA + "  a.zip\n"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := ImageSubject("ghcr.io/lwa-go/lambda-adapter:1.2.3", "sha256:"+sumA)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPredicate(testBuild())
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStatement(append(files, img), p)
	if err != nil {
		t.Fatal(err)
	}
	data, err := JSON(s)
	if err != nil {
		t.Fatal(err)
	}
	// Read it back as plain JSON, as a verifier would.
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got["_type"] != StatementType || got["predicateType"] != PredicateType {
		t.Errorf("statement types %v / %v", got["_type"], got["predicateType"])
	}
	subj := got["subject"].([]any)
	var names []string
	for _, x := range subj {
		names = append(names, x.(map[string]any)["name"].(string))
	}
	if strings.Join(names, ",") != "a.zip,b.zip,ghcr.io/lwa-go/lambda-adapter:1.2.3" {
		t.Errorf("subjects %v, want sorted files then the image", names)
	}
	dep := got["predicate"].(map[string]any)["buildDefinition"].(map[string]any)["resolvedDependencies"].([]any)[0].(map[string]any)
	if dep["uri"] != "git+https://github.com/lwa-go/lwa@refs/tags/v1.2.3" || dep["digest"].(map[string]any)["gitCommit"] != commit {
		t.Errorf("source dependency %v", dep)
	}
}

func TestErrors(t *testing.T) {
	short := testBuild()
	short.Commit = "abc"
	if _, err := NewPredicate(short); err == nil || !strings.Contains(err.Error(), "full git commit") {
		t.Errorf("short commit: %v", err)
	}
	noBuilder := testBuild()
	noBuilder.BuilderID = ""
	if _, err := NewPredicate(noBuilder); err == nil || !strings.Contains(err.Error(), "builder id") {
		t.Errorf("no builder: %v", err)
	}
	if _, err := FileSubjects(strings.NewReader("xyz  a.zip\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad checksums line: %v", err)
	}
	if _, err := ImageSubject("r", "sha512:abc"); err == nil {
		t.Error("sha512 digest accepted")
	}
	if _, err := NewStatement(nil, Predicate{}); err == nil {
		t.Error("statement without subjects accepted")
	}
}
