//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

type layerJSON struct {
	Version string `json:"version"`
	Layers  []struct {
		Platform     string `json:"platform"`
		Architecture string `json:"architecture"`
		Path         string `json:"path"`
		Size         int64  `json:"size"`
		SHA256       string `json:"sha256"`
	} `json:"layers"`
	Checksums string `json:"checksums"`
}

func TestE2ELayer(t *testing.T) {
	const version = "e2e-1.0"
	out := t.TempDir()
	t.Setenv("TZ", "UTC") // for unzip -Z's listing
	// SOURCE_DATE_EPOCH=1700000000 is 2023-11-14 22:13:20 UTC.
	epoch := []string{"SOURCE_DATE_EPOCH=1700000000"}
	stdout, first := packEnv(t, epoch, "layer", "--output", out, "--version", version, "--json")
	var rep layerJSON
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	if len(rep.Layers) != 2 {
		t.Fatalf("report %+v", rep)
	}

	t.Logf("lwa-pack layer, both platforms compiled and zipped in %v", first.Round(time.Millisecond))

	var binaries []string
	for _, l := range rep.Layers {
		t.Logf("%s: %d bytes", filepath.Base(l.Path), l.Size)

		// unzip -Z: Unix modes from the external attributes, entries in order.
		listing := runTool(t, "unzip", "-Z", l.Path)
		want := []string{
			`^-rwxr-xr-x .* unx .* bootstrap$`,
			`^drwxr-xr-x .* unx .* extensions/$`,
			`^-rwxr-xr-x .* unx .* extensions/lambda-adapter$`,
		}
		lines := entryLines(listing)
		if len(lines) != len(want) {
			t.Fatalf("unzip -Z %s:\n%s", l.Path, listing)
		}
		for i, w := range want {
			if !matches(w, lines[i]) {
				t.Errorf("unzip -Z line %d: %q, want %s", i, lines[i], w)
			}
		}
		for _, line := range lines {
			if !strings.Contains(line, " 23-Nov-14 22:13 ") {
				t.Errorf("entry not stamped SOURCE_DATE_EPOCH (2023-11-14 22:13 UTC): %s", line)
			}
		}

		dir := t.TempDir()
		runTool(t, "unzip", "-q", l.Path, "-d", dir)
		for _, name := range []string{"bootstrap", "extensions/lambda-adapter"} {
			st, err := os.Stat(filepath.Join(dir, name))
			if err != nil || st.Mode().Perm() != 0o755 {
				t.Errorf("%s extracted as %v %v", name, st.Mode(), err)
			}
		}
		arch := map[string]string{"x86_64": "amd64", "arm64": "arm64"}[l.Architecture]
		checkBinary(t, filepath.Join(dir, "extensions", "lambda-adapter"), arch, version)
		binaries = append(binaries, "--binary", "linux/"+arch+"="+filepath.Join(dir, "extensions", "lambda-adapter"))
	}

	// Reproducible: the extracted binaries, zipped again, give byte-identical zips (the source may
	// change while the tests run, so this run does not compile).
	out2 := t.TempDir()
	packEnv(t, epoch, append([]string{"layer", "--output", out2, "--version", version, "-q"}, binaries...)...)
	for _, l := range rep.Layers {
		first, _ := os.ReadFile(l.Path)
		again, err := os.ReadFile(filepath.Join(out2, filepath.Base(l.Path)))
		if err != nil || !bytes.Equal(first, again) {
			t.Errorf("%s: zipping the same binary again gave other bytes (%v)", filepath.Base(l.Path), err)
		}
	}

	sums := runToolIn(t, out, "sha256sum", "-c", "SHA256SUMS")
	// The two zips and their SBOMs.
	if strings.Count(sums, ": OK") != 4 || strings.Count(sums, ".spdx.json: OK") != 2 {
		t.Errorf("sha256sum -c:\n%s", sums)
	}
}

// TestE2ELayerUnderRIE runs the amd64 layer as Lambda would: the zip extracted on /opt, a
// zip-style function whose runtime execs AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap, which starts the
// handler run.sh (go-httpbin), while /opt/extensions/lambda-adapter forwards the invocation.
func TestE2ELayerUnderRIE(t *testing.T) {
	out := t.TempDir()
	pack(t, "layer", "--output", out, "--platform", "linux/amd64", "--version", "e2e-rie", "-q")
	opt := testenv.WorldDir(t)
	runTool(t, "unzip", "-q", filepath.Join(out, "lambda-adapter-layer-e2e-rie-x86_64.zip"), "-d", opt)

	// /var/task holds the function's code: run.sh starts the app.
	appPort := testenv.FreePort(t)
	varDir := testenv.WorldDir(t)
	task := filepath.Join(varDir, "task")
	if err := os.MkdirAll(task, 0o755); err != nil {
		t.Fatal(err)
	}
	runSh := "#!/bin/sh\nexec " + strings.Join(testenv.HTTPBin(t, appPort), " ") + "\n"
	if err := os.WriteFile(filepath.Join(task, "run.sh"), []byte(runSh), 0o755); err != nil {
		t.Fatal(err)
	}
	// RIE does not implement AWS_LAMBDA_EXEC_WRAPPER; this stands in for a managed runtime's
	// bootstrap, which execs the wrapper with the runtime's own command line.
	runtime := `exec "$AWS_LAMBDA_EXEC_WRAPPER" /var/lang/bin/node /var/runtime/index.mjs`
	rie := testenv.StartRIE(t, testenv.Options{
		Opt:       opt,
		Var:       varDir,
		Bootstrap: []string{"/bin/sh", "-c", runtime},
		Env: []string{
			"AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap",
			"LAMBDA_TASK_ROOT=/var/task",
			"_HANDLER=run.sh",
			"AWS_LWA_PORT=" + strconv.Itoa(appPort),
			"AWS_LAMBDA_FUNCTION_NAME=layer-e2e",
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := rie.Invoke(ctx, testenv.V2(testenv.HTTPEvent{Method: "GET", Path: "/anything/from-layer", Query: "x=1"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	var hr struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(res.Body, &hr); err != nil {
		t.Fatalf("invoke answered %d %q: %v", res.Status, res.Body, err)
	}
	if hr.StatusCode != 200 || !strings.Contains(hr.Body, "/anything/from-layer?x=1") {
		t.Fatalf("invoke: %d %s", hr.StatusCode, hr.Body)
	}
}

func entryLines(listing string) []string {
	var out []string
	for _, l := range strings.Split(listing, "\n") {
		if strings.HasPrefix(l, "-") || strings.HasPrefix(l, "d") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}
