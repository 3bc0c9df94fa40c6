package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
)

const binSum = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func testInfo() *debug.BuildInfo {
	return &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Path:      "example.com/app/cmd/app",
		Main:      debug.Module{Path: "example.com/app", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "github.com/z/last", Version: "v0.1.0", Sum: "h1:Zz="},
			{Path: "github.com/docker/cli", Version: "v29.7.2+incompatible", Sum: "h1:dl="},
			{Path: "github.com/Old/Case", Version: "v1.0.0", Sum: "h1:old=",
				Replace: &debug.Module{Path: "github.com/fork/case", Version: "v1.0.1", Sum: "h1:new="}},
		},
		Settings: []debug.BuildSetting{{Key: "-trimpath", Value: "true"}, {Key: "GOARCH", Value: "amd64"}},
	}
}

func testOptions() Options {
	return Options{Name: "app 1.2.3 linux/amd64", FileName: "app", Version: "1.2.3",
		Created: time.Unix(1700000000, 0), Tool: "lwa-pack-1.2.3", License: "Apache-2.0"}
}

func generate(t *testing.T, bi *debug.BuildInfo, opts Options) Document {
	t.Helper()
	doc, err := Generate(Binary{Info: bi, SHA256: binSum}, opts)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return doc
}

func TestGenerateDocument(t *testing.T) {
	doc := generate(t, testInfo(), testOptions())
	if doc.CreationInfo.Created != "2023-11-14T22:13:20Z" {
		t.Errorf("created %q, want SOURCE_DATE_EPOCH 1700000000 in UTC", doc.CreationInfo.Created)
	}
	var names []string
	for _, p := range doc.Packages {
		names = append(names, p.Name+"@"+p.VersionInfo+" "+p.ExternalRefs[0].ReferenceLocator)
	}
	want := []string{
		"example.com/app@v1.2.3 pkg:golang/example.com/app@v1.2.3",
		"github.com/Old/Case@v1.0.1 pkg:golang/github.com/fork/case@v1.0.1",
		"github.com/docker/cli@v29.7.2+incompatible pkg:golang/github.com/docker/cli@v29.7.2%2Bincompatible",
		"github.com/z/last@v0.1.0 pkg:golang/github.com/z/last@v0.1.0",
		"stdlib@go1.26.8 pkg:golang/stdlib@1.26.8",
	}
	if !slices.Equal(names, want) {
		t.Errorf("packages\n  %s\nwant\n  %s", strings.Join(names, "\n  "), strings.Join(want, "\n  "))
	}
	main := doc.Packages[0]
	if len(main.Checksums) != 1 || main.Checksums[0] != (Checksum{"SHA256", binSum}) || main.PackageFileName != "app" || main.LicenseDeclared != "Apache-2.0" {
		t.Errorf("main package %+v: want the binary's SHA256 and file name", main)
	}
	if !strings.Contains(main.Comment, "-trimpath=true GOARCH=amd64") || !strings.Contains(main.Comment, "go1.26.8") {
		t.Errorf("main package comment %q lacks the build settings or Go version", main.Comment)
	}
	for _, p := range doc.Packages {
		for _, c := range p.Checksums {
			if strings.HasPrefix(c.ChecksumValue, "h1:") {
				t.Errorf("%s: go.sum hash %s recorded as an SPDX checksum", p.Name, c.ChecksumValue)
			}
		}
	}
	replaced := doc.Packages[1]
	if got := replaced.ExternalRefs[1].ReferenceLocator; got != "h1:new=" {
		t.Errorf("replaced module's sum %q, want the replacement's h1:new=", got)
	}
	if !strings.Contains(replaced.Comment, "replaces github.com/Old/Case v1.0.0 with github.com/fork/case v1.0.1") {
		t.Errorf("replaced module comment %q", replaced.Comment)
	}
	// One DESCRIBES from the document, one DEPENDS_ON per dependency (3 modules and stdlib).
	if r := doc.Relationships[0]; r.SPDXElementID != documentID || r.RelationshipType != "DESCRIBES" || r.RelatedSPDXElement != main.SPDXID {
		t.Errorf("first relationship %+v", r)
	}
	if n := len(doc.Relationships); n != 5 {
		t.Errorf("%d relationships, want 5", n)
	}
}

// TestGenerateReproducible: the same input gives the same bytes, whatever the order of the
// dependencies; a change in content changes the namespace.
func TestGenerateReproducible(t *testing.T) {
	a, err := generate(t, testInfo(), testOptions()).JSON()
	if err != nil {
		t.Fatal(err)
	}
	bi := testInfo()
	slices.Reverse(bi.Deps)
	b, err := generate(t, bi, testOptions()).JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("dependency order changed the document:\n%s\n%s", a, b)
	}
	opts := testOptions()
	opts.Created = opts.Created.Add(time.Second)
	c := generate(t, testInfo(), opts)
	var first Document
	if err := json.Unmarshal(a, &first); err != nil {
		t.Fatal(err)
	}
	if c.DocumentNamespace == first.DocumentNamespace {
		t.Errorf("a different creation time kept namespace %s", c.DocumentNamespace)
	}
	if !strings.HasPrefix(first.DocumentNamespace, namespaceBase+"app-1.2.3-linux-amd64-") {
		t.Errorf("namespace %q", first.DocumentNamespace)
	}
}

func TestGenerateErrors(t *testing.T) {
	noMain := testInfo()
	noMain.Main = debug.Module{}
	zero := testOptions()
	zero.Created = time.Time{}
	noTool := testOptions()
	noTool.Tool = " "
	for name, tc := range map[string]struct {
		bin  Binary
		opts Options
		want string
	}{
		"no main module": {Binary{Info: noMain, SHA256: binSum}, testOptions(), "no main module"},
		"bad digest":     {Binary{Info: testInfo(), SHA256: "abc"}, testOptions(), "not a hex SHA-256"},
		"zero time":      {Binary{Info: testInfo(), SHA256: binSum}, zero, "SOURCE_DATE_EPOCH"},
		"no tool":        {Binary{Info: testInfo(), SHA256: binSum}, noTool, "Tool is empty"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Generate(tc.bin, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestReadBinaryNotGo(t *testing.T) {
	path := t.TempDir() + "/not-go"
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadBinary(path); err == nil || !strings.Contains(err.Error(), "Go build information of "+path) {
		t.Fatalf("error %v, want one naming the file", err)
	}
}
