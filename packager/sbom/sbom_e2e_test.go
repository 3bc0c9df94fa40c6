//go:build e2e

package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// debianPython is Debian's interpreter, where python3-jsonschema (scripts/install-tools.sh)
// installs; a python3 earlier on PATH (pyenv, a venv) may not have it.
const debianPython = "/usr/bin/python3"

// validateScript validates argv[2] against the JSON schema argv[1] with the draft the schema names
// (SPDX 2.3: draft-07), printing every error.
const validateScript = `
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors:
    print("/".join(map(str, e.path)), e.message)
sys.exit(1 if errors else 0)
`

// TestAdapterSBOM builds the adapter as the release does and checks its SBOM with tools users
// run: it validates against the SPDX 2.3 JSON schema (python3-jsonschema), syft reads it back with
// exactly the modules `go version -m` reports, and two runs give the same bytes.
func TestAdapterSBOM(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dir := t.TempDir()
	bin, err := testenv.BuildAdapter(root, dir, "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Name: "lambda-adapter 1.2.3", FileName: "lambda-adapter", Version: "1.2.3",
		Created: time.Unix(1700000000, 0), Tool: "lwa-pack-test"}
	first, err := ForFile(bin, opts)
	if err != nil {
		t.Fatal(err)
	}
	second, err := ForFile(bin, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatalf("two runs differ:\n%s\n%s", first, second)
	}
	path := filepath.Join(dir, "lambda-adapter.spdx.json")
	if err := os.WriteFile(path, first, 0o644); err != nil {
		t.Fatal(err)
	}
	want := goVersionModules(t, bin, "v1.2.3")
	t.Logf("go version -m: %s", strings.Join(want, ", "))

	t.Run("SPDX 2.3 schema", func(t *testing.T) { validateSchema(t, path) })
	t.Run("schema rejects a broken document", func(t *testing.T) {
		broken := bytes.Replace(first, []byte(`"spdxVersion"`), []byte(`"spdxVersionX"`), 1)
		bad := filepath.Join(t.TempDir(), "broken.spdx.json")
		if err := os.WriteFile(bad, broken, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := runValidator(t, bad); err == nil {
			t.Fatalf("the validator accepted a document without spdxVersion:\n%s", out)
		}
	})
	t.Run("syft reads it back", func(t *testing.T) {
		got := syftModules(t, path)
		if !slices.Equal(got, want) {
			t.Errorf("syft convert lists\n  %s\n`go version -m` reports\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	})
}

func runValidator(t *testing.T, doc string) (string, error) {
	t.Helper()
	if _, err := os.Stat(debianPython); err != nil {
		t.Fatalf("%s not found: install Debian's python3-jsonschema (scripts/install-tools.sh)", debianPython)
	}
	check := exec.Command(debianPython, "-c", "import jsonschema")
	if out, err := check.CombinedOutput(); err != nil {
		t.Fatalf("python3-jsonschema missing (scripts/install-tools.sh installs it): %v\n%s", err, out)
	}
	schema := filepath.Join(testenv.ModuleRoot(t), "packager", "sbom", "testdata", "spdx-schema-2.3.json")
	out, err := exec.Command(debianPython, "-c", validateScript, schema, doc).CombinedOutput()
	return string(out), err
}

func validateSchema(t *testing.T, doc string) {
	if out, err := runValidator(t, doc); err != nil {
		t.Fatalf("SPDX 2.3 schema validation failed: %v\n%s", err, out)
	}
}

// goVersionModules parses `go version -m` (the toolchain's own reader, not ours): the main
// module (its "(devel)" read as mainVersion, the version it was stamped with), every dependency
// (its replacement, if any) and the standard library of the Go version, as "path@version".
func goVersionModules(t *testing.T, bin, mainVersion string) []string {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	_, goVersion, _ := strings.Cut(lines[0], ": ")
	mods := []string{"stdlib@" + strings.TrimPrefix(goVersion, "go")}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "mod":
			v := f[2]
			if v == "(devel)" {
				v = mainVersion
			}
			mods = append(mods, f[1]+"@"+v)
		case len(f) >= 3 && f[0] == "dep":
			mods = append(mods, f[1]+"@"+f[2])
		case len(f) >= 3 && f[0] == "=>":
			mods[len(mods)-1] = f[1] + "@" + f[2]
		}
	}
	slices.Sort(mods)
	if len(mods) < 3 {
		t.Fatalf("go version -m reports too few modules (%v):\n%s", mods, out)
	}
	return mods
}

// syftModules converts the SPDX document with syft and lists the Go packages syft read, by their
// purls, as "path@version".
func syftModules(t *testing.T, doc string) []string {
	t.Helper()
	syft := testenv.Tool(t, "syft")
	cmd := exec.Command(syft, "convert", doc, "-o", "syft-json")
	cmd.Env = append(os.Environ(), "SYFT_CHECK_FOR_APP_UPDATE=false")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("syft convert: %v\n%s", err, stderr.String())
	}
	var res struct {
		Artifacts []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			PURL    string `json:"purl"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("syft convert output: %v", err)
	}
	var mods []string
	for _, a := range res.Artifacts {
		p, ok := strings.CutPrefix(a.PURL, "pkg:golang/")
		if !ok {
			t.Errorf("syft read a non-Go package %s %s (%s)", a.Name, a.Version, a.PURL)
			continue
		}
		p = strings.ReplaceAll(p, "%2B", "+")
		mods = append(mods, p)
	}
	slices.Sort(mods)
	return mods
}

// TestManyModulesSBOM does the same for a binary with many modules, one of them +incompatible
// (crane, installed by scripts/install-tools.sh): syft must read back exactly `go version -m`'s list.
func TestManyModulesSBOM(t *testing.T) {
	bin := testenv.Tool(t, "crane")
	opts := Options{Name: "crane", FileName: "crane", Created: time.Unix(1700000000, 0), Tool: "lwa-pack-test"}
	doc, err := ForFile(bin, opts)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "crane.spdx.json")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	validateSchema(t, path)
	want := goVersionModules(t, bin, "")
	got := syftModules(t, path)
	if !slices.Equal(got, want) {
		t.Errorf("syft convert lists\n  %s\n`go version -m` reports\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	t.Logf("%d modules read back by syft", len(got))
}

// TestForBytesMatchesForFile: the in-memory path (lwa-pack image) and the file path (the
// release, lwa-pack layer) give the same bytes for the same binary.
func TestForBytesMatchesForFile(t *testing.T) {
	bin := testenv.Tool(t, "crane")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	opts := AdapterOptions("1.2.3", "linux/amd64", time.Unix(1700000000, 0))
	a, err := ForFile(bin, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ForBytes(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("ForBytes and ForFile differ for the same binary")
	}
}
