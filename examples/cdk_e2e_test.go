//go:build e2e

package examples

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCDKSynth type-checks the CDK snippets of docs/deploy.md (examples/express/deploy/cdk, with the
// pinned aws-cdk-lib and TypeScript) and synthesizes them offline, as `cdk synth` would: the zip
// stack's function must be what template.yaml describes (runtime, run.sh, the wrapper, the layer)
// with run.sh executable in its staged code, and the image stack's an image function.
func TestCDKSynth(t *testing.T) {
	const dir = "express/deploy/cdk"
	requireNodeModules(t, dir)
	requireNodeModules(t, "express")
	tsc := exec.Command("node", "node_modules/typescript/bin/tsc", "-p", ".")
	tsc.Dir = dir
	if out, err := tsc.CombinedOutput(); err != nil {
		t.Fatalf("tsc in %s: %v\n%s", dir, err, out)
	}
	out := t.TempDir()
	const layerArn = "arn:aws:lambda:us-east-1:123456789012:layer:lambda-adapter-x86_64:7"
	synth := exec.Command("node", "app.js")
	synth.Dir = dir
	synth.Env = append(os.Environ(), "CDK_OUTDIR="+out, `CDK_CONTEXT_JSON={"adapterLayerArn":"`+layerArn+`","aws:cdk:enable-asset-metadata":true}`)
	if b, err := synth.CombinedOutput(); err != nil {
		t.Fatalf("node app.js (synth): %v\n%s", err, b)
	}

	// aws-cdk-lib validates the templates as it writes them (deprecated runtimes, among others).
	if b, err := os.ReadFile(filepath.Join(out, "validation-report.json")); err == nil {
		var rep struct{ PluginReports []json.RawMessage }
		if err := json.Unmarshal(b, &rep); err != nil || len(rep.PluginReports) > 0 {
			t.Errorf("cdk synth validation report (%v):\n%s", err, b)
		}
	}

	sam := readTemplate(t, "express")
	fn := cfnFunction(t, filepath.Join(out, "ExpressZip.template.json"))
	p := fn.Properties
	if p.Runtime != sam.Properties.Runtime || p.Handler != "run.sh" || p.Environment.Variables["AWS_LAMBDA_EXEC_WRAPPER"] != "/opt/bootstrap" ||
		len(p.Layers) != 1 || p.Layers[0] != layerArn {
		t.Errorf("the zip stack's function differs from template.yaml's: %+v", p)
	}
	if !strings.HasPrefix(fn.Metadata.AssetPath, "asset.") {
		t.Fatalf("the zip stack's function has no staged asset: %+v", fn.Metadata)
	}
	staged := filepath.Join(out, fn.Metadata.AssetPath)
	if st, err := os.Stat(filepath.Join(staged, "run.sh")); err != nil || st.Mode().Perm()&0o111 == 0 {
		t.Errorf("staged code %s: run.sh missing or not executable (%v)", staged, err)
	}
	for _, f := range []string{"app.js", "node_modules/express/package.json"} {
		if _, err := os.Stat(filepath.Join(staged, f)); err != nil {
			t.Errorf("staged code lacks %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(staged, "deploy")); err == nil {
		t.Errorf("staged code holds deploy/: the exclude list did not apply")
	}

	img := cfnFunction(t, filepath.Join(out, "ExpressImage.template.json"))
	code, _ := json.Marshal(img.Properties.Code)
	if img.Properties.PackageType != "Image" || img.Properties.Handler != "" || !strings.Contains(string(code), "express-lwa") || !strings.Contains(string(code), ":1-lambda") {
		t.Errorf("the image stack's function: %+v, code %s", img.Properties, code)
	}
}

type cfnLambda struct {
	Type     string `json:"Type"`
	Metadata struct {
		AssetPath string `json:"aws:asset:path"`
	} `json:"Metadata"`
	Properties struct {
		Runtime, Handler, PackageType string
		Layers                        []string
		Code                          any
		Environment                   struct{ Variables map[string]string }
	} `json:"Properties"`
}

func (f cfnLambda) resourceType() string { return f.Type }

// cfnFunction returns the one AWS::Lambda::Function of a synthesized template.
func cfnFunction(t *testing.T, path string) cfnLambda {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]cfnLambda `json:"Resources"`
	}
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return onlyFunction(t, path, tpl.Resources, "AWS::Lambda::Function")
}
