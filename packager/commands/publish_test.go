package commands

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/internal/testenv"
	"github.com/lwa-go/lwa/packager/lambdalayer"
)

// The Lambda control plane cannot run here: lwa-pack publish talks to testenv.FakeLambda, built
// from AWS's API reference, which checks every request's SigV4 signature.

// awsEnv gives the SDK's default chain the fake's credentials and nothing else (no shared files,
// no EC2 metadata).
func awsEnv(f *testenv.FakeLambda, region string) map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID": f.Signer.AccessKey, "AWS_SECRET_ACCESS_KEY": f.Signer.SecretKey, "AWS_SESSION_TOKEN": f.Signer.SessionToken,
		"AWS_REGION": region, "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
		"AWS_EC2_METADATA_DISABLED": "true", "LWA_PACK_ENDPOINT_URL": f.URL,
	}
}

func TestPublish(t *testing.T) {
	f := testenv.NewFakeLambda(t)
	bins := publishBins(t)
	args := append([]string{"publish", "--version", "1.2.3", "--region", "us-east-1,eu-west-1", "--public", "--runtime", "provided.al2023"}, bins...)
	r := runAppEnv(t, awsEnv(f, "ap-south-1"), Options{}, args...)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	var want []string
	for _, region := range []string{"eu-west-1", "us-east-1"} {
		want = append(want,
			region+"  arm64   arn:aws:lambda:"+region+":123456789012:layer:LambdaAdapterLayerArm64:1  public",
			region+"  x86_64  arn:aws:lambda:"+region+":123456789012:layer:LambdaAdapterLayerX86:1  public")
	}
	if got := strings.Split(strings.TrimSpace(r.stdout), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("stdout:\n%s\nwant:\n%s", r.stdout, strings.Join(want, "\n"))
	}
	// The zips sent are the layer zips lwa-pack layer writes for the same binaries and version.
	dist := t.TempDir()
	if r := runApp(t, Options{}, append([]string{"layer", "--version", "1.2.3", "--output", dist, "--sbom=false"}, bins...)...); r.err != nil {
		t.Fatal(r.err)
	}
	for _, c := range f.Calls() {
		if c.Op != "PublishLayerVersion" {
			continue
		}
		arch := map[string]string{"LambdaAdapterLayerX86": "x86_64", "LambdaAdapterLayerArm64": "arm64"}[c.LayerName]
		written := readZip(t, filepath.Join(dist, "lambda-adapter-layer-1.2.3-"+arch+".zip"))
		if !bytes.Equal(c.Zip, written) {
			t.Errorf("%s %s: the zip published is not the zip lwa-pack layer writes", c.Region, c.LayerName)
		}
		if !strings.HasPrefix(c.Description, "Lambda Web Adapter 1.2.3 for "+arch) {
			t.Errorf("description %q", c.Description)
		}
	}

	// --json, the second run: version 2 of each layer.
	r = runAppEnv(t, awsEnv(f, "eu-central-2"), Options{}, append([]string{"publish", "--json", "--version", "1.2.3"}, publishBins(t)...)...)
	var rep struct {
		Version string
		Layers  []lambdalayer.Published
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.err != nil {
		t.Fatalf("%v %v\n%s", r.err, err, r.stdout)
	}
	if rep.Version != "1.2.3" || len(rep.Layers) != 2 || rep.Layers[0].Region != "eu-central-2" || rep.Layers[0].Public || rep.Layers[1].LayerVersionArn != "arn:aws:lambda:eu-central-2:123456789012:layer:LambdaAdapterLayerX86:1" {
		t.Fatalf("report %+v", rep)
	}
}

// TestPublishThrottled: a throttled region fails the run with the region, architecture and code
// named, nothing on stdout, and no version left anywhere.
func TestPublishThrottled(t *testing.T) {
	f := testenv.NewFakeLambda(t)
	f.Fail(testenv.LambdaFault{Op: "PublishLayerVersion", Region: "eu-west-1", LayerName: "LambdaAdapterLayerX86", Status: 429, Code: "TooManyRequestsException", Message: "Rate exceeded"})
	r := runAppEnv(t, awsEnv(f, "us-east-1"), Options{}, append([]string{"publish", "--region", "us-east-1", "--region", "eu-west-1"}, publishBins(t)...)...)
	if r.err == nil || !strings.HasPrefix(r.err.Error(), "publish layer versions: eu-west-1 x86_64 (LambdaAdapterLayerX86): PublishLayerVersion: TooManyRequestsException: Rate exceeded") {
		t.Fatalf("err %v", r.err)
	}
	if r.stdout != "" || len(f.Live()) != 0 {
		t.Fatalf("stdout %q, versions left %v", r.stdout, f.Live())
	}
}

// TestPublishChecksBeforeBuilding: no credentials, or no region, fail before anything is
// compiled (no --binary and no source here: compiling would fail with another message).
func TestPublishChecksBeforeBuilding(t *testing.T) {
	f := testenv.NewFakeLambda(t)
	env := awsEnv(f, "")
	r := runAppEnv(t, env, Options{ModuleVersion: "(devel)"}, "publish")
	if r.err == nil || r.err.Error() != "no region: pass --region or set AWS_REGION (or a region in the AWS profile)" {
		t.Errorf("no region: %v", r.err)
	}
	env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"] = "", "", ""
	r = runAppEnv(t, env, Options{ModuleVersion: "(devel)"}, "publish", "--region", "us-east-1")
	if r.err == nil || !strings.HasPrefix(r.err.Error(), "no AWS credentials (") {
		t.Errorf("no credentials: %v", r.err)
	}
	r = runAppEnv(t, awsEnv(f, "us-east-1"), Options{ModuleVersion: "(devel)"}, "publish", "--runtime", "node22")
	if want := `--runtime: runtime "node22": not a Lambda runtime identifier (like provided.al2023, nodejs22.x, python3.13)`; r.err == nil || r.err.Error() != want {
		t.Errorf("bad runtime: %v", r.err)
	}
	if len(f.Calls()) != 0 {
		t.Errorf("calls made: %+v", f.Calls())
	}
}

// publishBins are binFlags without --sbom=false: publish writes no SBOM (the layer's SBOM is a file
// beside the zips, which publish does not write) and has no such flag.
func publishBins(t *testing.T) []string {
	var out []string
	for _, f := range binFlags(t) {
		if f != "--sbom=false" {
			out = append(out, f)
		}
	}
	return out
}

func readZip(t *testing.T, path string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	zr.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
