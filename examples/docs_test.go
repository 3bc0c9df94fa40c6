package examples

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// update rewrites docs/deploy.md's snippets from the files they name:
// go test ./examples/ -run TestDeployDoc -update
var update = flag.Bool("update", false, "rewrite docs/deploy.md's snippets from the example files")

// snippetRE matches a snippet marker and the fenced block after it in docs/deploy.md:
// <!-- snippet: examples/PATH [lines A-B] --> then ```lang ... ```.
var snippetRE = regexp.MustCompile("(?s)<!-- snippet: (\\S+)(?: lines (\\d+)-(\\d+))? -->\n```\\w*\n(.*?)```")

// fenceRE matches any fenced block's opening line with its language.
var fenceRE = regexp.MustCompile("^```(\\w*)$")

// TestDeployDoc checks that every snippet in docs/deploy.md is, byte for byte, the file (or the
// lines of it) that its marker names, that every file the page must show is there, and that every
// block other than shell commands is such a snippet: the page cannot drift from the tested examples.
func TestDeployDoc(t *testing.T) {
	b, err := os.ReadFile("../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	var shown []string
	for _, m := range snippetRE.FindAllStringSubmatch(doc, -1) {
		file, from, to, body := m[1], m[2], m[3], m[4]
		text, err := snippetText(file, from, to)
		if err != nil {
			t.Errorf("docs/deploy.md shows %s: %v", file, err)
			continue
		}
		if body != text && *update {
			doc = strings.Replace(doc, m[0], strings.TrimSuffix(m[0], body+"```")+text+"```", 1)
		} else if body != text {
			t.Errorf("docs/deploy.md's snippet of %s (lines %s-%s) differs from the file: go test ./examples/ -run TestDeployDoc -update", file, from, to)
		}
		shown = append(shown, file)
	}
	if *update {
		if err := os.WriteFile("../docs/deploy.md", []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{
		"examples/express/template.yaml", "examples/express/deploy/sam/image.yaml",
		"examples/express/deploy/cdk/zip-stack.ts", "examples/express/deploy/cdk/image-stack.ts",
		"examples/express/deploy/terraform/zip.tf", "examples/express/deploy/terraform/image.tf",
		"examples/express/deploy/aws-cli/zip.sh", "examples/express/deploy/aws-cli/image.sh",
		"examples/express/Dockerfile", "examples/go/Dockerfile",
	} {
		if !slices.Contains(shown, f) {
			t.Errorf("docs/deploy.md does not show %s", f)
		}
	}
	// Every block not right after a marker must be shell commands.
	lines := strings.Split(doc, "\n")
	inBlock := false
	for i, line := range lines {
		m := fenceRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if !inBlock && m[1] != "sh" && (i == 0 || !strings.HasPrefix(lines[i-1], "<!-- snippet: ")) {
			t.Errorf("docs/deploy.md line %d: a %q block that is not a snippet of a tested file", i+1, m[1])
		}
		inBlock = !inBlock
	}
}

// snippetText is the file (repository-relative), or its lines from-to (1-based, inclusive).
func snippetText(file, from, to string) (string, error) {
	b, err := os.ReadFile(filepath.Join("..", file))
	if err != nil || from == "" {
		return string(b), err
	}
	a, _ := strconv.Atoi(from)
	z, _ := strconv.Atoi(to)
	lines := strings.SplitAfter(string(b), "\n")
	if a < 1 || z < a || z > len(lines) {
		return "", fmt.Errorf("lines %s-%s: the file has %d lines", from, to, len(lines))
	}
	return strings.Join(lines[a-1:z], ""), nil
}

// TestDeployFiles checks what can be checked of the deploy files without AWS: the shell scripts
// parse (bash -n) and are executable, and the image template is an image function with no handler.
func TestDeployFiles(t *testing.T) {
	for _, f := range []string{"express/deploy/aws-cli/zip.sh", "express/deploy/aws-cli/image.sh"} {
		if out, err := exec.Command("bash", "-n", f).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", f, err, out)
		}
		if st, err := os.Stat(f); err != nil || st.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s is not executable (%v)", f, err)
		}
	}
	b, err := os.ReadFile("express/deploy/sam/image.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Transform string `yaml:"Transform"`
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				PackageType string    `yaml:"PackageType"`
				ImageURI    yaml.Node `yaml:"ImageUri"`
				Handler     string    `yaml:"Handler"`
				Runtime     string    `yaml:"Runtime"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &tpl); err != nil {
		t.Fatalf("express/deploy/sam/image.yaml: %v", err)
	}
	fn, ok := tpl.Resources["ExpressImageFunction"]
	p := fn.Properties
	if !ok || fn.Type != "AWS::Serverless::Function" || p.PackageType != "Image" || p.ImageURI.Tag != "!Ref" ||
		p.Handler != "" || p.Runtime != "" || tpl.Transform != "AWS::Serverless-2016-10-31" {
		t.Errorf("express/deploy/sam/image.yaml: want an image function with ImageUri: !Ref and no handler or runtime: %+v", tpl)
	}
}
