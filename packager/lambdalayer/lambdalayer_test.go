package lambdalayer

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lwa-go/lwa/internal/testenv"
)

// The Lambda control plane cannot run here: these tests publish to testenv.FakeLambda, a fake built
// from AWS's API reference that verifies every request's SigV4 signature with its own derivation.

// awsEnv points the SDK's default chain at the fake's credentials and nothing else: no shared
// files, no EC2 metadata (which would reach outside this machine).
func awsEnv(t *testing.T, f *testenv.FakeLambda, region string) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": f.Signer.AccessKey, "AWS_SECRET_ACCESS_KEY": f.Signer.SecretKey, "AWS_SESSION_TOKEN": f.Signer.SessionToken,
		"AWS_REGION": region, "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_LAMBDA": "",
	} {
		t.Setenv(k, v)
	}
}

func newPublisher(t *testing.T, f *testenv.FakeLambda, region string) *Publisher {
	t.Helper()
	awsEnv(t, f, region)
	cfg, err := LoadConfig(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return New(cfg, WithBaseEndpoint(f.URL))
}

// testZip is a real zip whose content names arch, so each architecture's bytes differ.
func testZip(t *testing.T, arch string) Zip {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("extensions/lambda-adapter")
	w.Write([]byte(strings.Repeat("adapter for "+arch+"\n", 100)))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return Zip{Architecture: arch, Data: buf.Bytes()}
}

func request(t *testing.T, regions ...string) Request {
	return Request{
		NamePrefix: DefaultNamePrefix, Description: "Lambda Web Adapter 1.2.3 for %s", LicenseInfo: "Apache-2.0",
		Zips: []Zip{testZip(t, "x86_64"), testZip(t, "arm64")}, Regions: regions, Runtimes: []string{"provided.al2023", "nodejs22.x"},
	}
}

func callsOf(f *testenv.FakeLambda, op string) []testenv.LambdaCall {
	var out []testenv.LambdaCall
	for _, c := range f.Calls() {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

func TestPublishRegionsPublic(t *testing.T) {
	f := testenv.NewFakeLambda(t)
	req := request(t, "us-east-1", "eu-west-1")
	req.Public = true
	got, err := newPublisher(t, f, "ap-south-1").Publish(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if bad := f.BadSignatures(); len(bad) > 0 {
		t.Fatalf("signatures refused: %q", bad)
	}
	zips := map[string][]byte{"x86_64": req.Zips[0].Data, "arm64": req.Zips[1].Data}
	wantOrder := [][2]string{{"eu-west-1", "arm64"}, {"eu-west-1", "x86_64"}, {"us-east-1", "arm64"}, {"us-east-1", "x86_64"}}
	if len(got) != len(wantOrder) {
		t.Fatalf("got %d versions, want %d: %+v", len(got), len(wantOrder), got)
	}
	for i, p := range got {
		region, arch := wantOrder[i][0], wantOrder[i][1]
		name := LayerName(DefaultNamePrefix, arch)
		if p.Region != region || p.Architecture != arch || p.LayerName != name || !p.Public || p.Version != 1 {
			t.Errorf("version %d = %+v, want %s %s %s public v1", i, p, region, arch, name)
		}
		if want := "arn:aws:lambda:" + region + ":" + f.Account + ":layer:" + name + ":1"; p.LayerVersionArn != want {
			t.Errorf("ARN %s, want %s", p.LayerVersionArn, want)
		}
		sum := sha256.Sum256(zips[arch])
		if p.CodeSha256 != base64.StdEncoding.EncodeToString(sum[:]) || p.CodeSize != int64(len(zips[arch])) {
			t.Errorf("%s %s: CodeSha256 %s size %d do not describe the zip", region, arch, p.CodeSha256, p.CodeSize)
		}
		if pol := f.Policy(region, name, 1); pol[PublicStatementID] != "*" || len(pol) != 1 {
			t.Errorf("%s %s policy = %v, want %s → *", region, arch, pol, PublicStatementID)
		}
	}

	pubs := callsOf(f, "PublishLayerVersion")
	if len(pubs) != 4 {
		t.Fatalf("%d PublishLayerVersion calls, want 4", len(pubs))
	}
	for _, c := range pubs {
		arch := strings.TrimPrefix(c.LayerName, DefaultNamePrefix)
		wantArch := map[string]string{"X86": "x86_64", "Arm64": "arm64"}[arch]
		if !bytes.Equal(c.Zip, zips[wantArch]) {
			t.Errorf("%s %s: the uploaded zip is not the %s zip", c.Region, c.LayerName, wantArch)
		}
		if !slices.Equal(c.Architectures, []string{wantArch}) || !slices.Equal(c.Runtimes, req.Runtimes) {
			t.Errorf("%s %s: architectures %v runtimes %v", c.Region, c.LayerName, c.Architectures, c.Runtimes)
		}
		if c.Description != "Lambda Web Adapter 1.2.3 for "+wantArch || c.LicenseInfo != "Apache-2.0" {
			t.Errorf("%s %s: description %q license %q", c.Region, c.LayerName, c.Description, c.LicenseInfo)
		}
		if !slices.Contains(c.SignedHeaders, "x-amz-security-token") {
			t.Errorf("session token not signed: %v", c.SignedHeaders)
		}
	}
	for _, c := range callsOf(f, "AddLayerVersionPermission") {
		if c.Principal != "*" || c.Action != "lambda:GetLayerVersion" || c.StatementID != PublicStatementID || c.Version != 1 {
			t.Errorf("permission call %+v", c)
		}
	}
	if n := len(callsOf(f, "AddLayerVersionPermission")); n != 4 {
		t.Errorf("%d AddLayerVersionPermission calls, want 4", n)
	}
	if n := len(callsOf(f, "GetLayerVersion")); n != 4 {
		t.Errorf("%d GetLayerVersion calls (the read-back), want 4", n)
	}
}

// TestPublishDefaultRegionPrivate: no --region means the default chain's region; without Public
// no permission is added.
func TestPublishDefaultRegionPrivate(t *testing.T) {
	f := testenv.NewFakeLambda(t)
	got, err := newPublisher(t, f, "eu-central-2").Publish(context.Background(), request(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Region != "eu-central-2" || got[1].Region != "eu-central-2" || got[0].Public {
		t.Fatalf("got %+v", got)
	}
	if n := len(callsOf(f, "AddLayerVersionPermission")); n != 0 {
		t.Errorf("%d permission calls without Public", n)
	}
}

func TestPublishThrottledDeletesWhatItCreated(t *testing.T) {
	f := testenv.NewFakeLambda(t)
	f.Fail(testenv.LambdaFault{Op: "PublishLayerVersion", Region: "us-east-1", LayerName: "LambdaAdapterLayerArm64",
		Status: 429, Code: "TooManyRequestsException", Message: "Rate exceeded"})
	got, err := newPublisher(t, f, "eu-west-1").Publish(context.Background(), request(t, "us-east-1", "eu-west-1"))
	if got != nil {
		t.Fatalf("a failed run reported versions: %+v", got)
	}
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not *Error", err)
	}
	want := "publish layer versions: us-east-1 arm64 (LambdaAdapterLayerArm64): PublishLayerVersion: TooManyRequestsException: Rate exceeded (throttled after the SDK's retries; run again later); the 3 version(s) this run had created were deleted again: "
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error:\n%s\nwant prefix:\n%s", err, want)
	}
	if len(pe.Failures) != 1 || pe.Failures[0].Code() != "TooManyRequestsException" {
		t.Errorf("failures %v", pe.Failures)
	}
	// The SDK read the fake's answer as Lambda's modelled error: the type from x-amzn-ErrorType,
	// retryAfterSeconds from the Retry-After header.
	var tmr *types.TooManyRequestsException
	if !errors.As(err, &tmr) || aws.ToString(tmr.RetryAfterSeconds) != "1" || tmr.ErrorMessage() != "Rate exceeded" {
		t.Errorf("not the SDK's TooManyRequestsException with Retry-After: %#v", tmr)
	}
	if live := f.Live(); len(live) != 0 {
		t.Errorf("versions left behind: %v", live)
	}
	// The SDK's standard retryer tries a throttled call 3 times before giving up.
	throttled := 0
	for _, c := range callsOf(f, "PublishLayerVersion") {
		if c.Region == "us-east-1" && c.LayerName == "LambdaAdapterLayerArm64" {
			throttled++
		}
	}
	if throttled != 3 {
		t.Errorf("throttled call tried %d times, want 3", throttled)
	}
}

func TestPublishDeniedPermission(t *testing.T) {
	f := testenv.NewFakeLambda(t)
	f.Fail(testenv.LambdaFault{Op: "AddLayerVersionPermission", Region: "eu-west-1", LayerName: "LambdaAdapterLayerX86",
		Status: 403, Code: "AccessDeniedException", Message: "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: lambda:AddLayerVersionPermission"})
	req := request(t, "eu-west-1")
	req.Public = true
	_, err := newPublisher(t, f, "eu-west-1").Publish(context.Background(), req)
	want := "publish layer versions: eu-west-1 x86_64 (LambdaAdapterLayerX86): AddLayerVersionPermission: AccessDeniedException: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: lambda:AddLayerVersionPermission (the credentials lack this permission: see docs/packager.md for the IAM actions needed); the 2 version(s) this run had created were deleted again: arn:aws:lambda:eu-west-1:123456789012:layer:LambdaAdapterLayerArm64:1, arn:aws:lambda:eu-west-1:123456789012:layer:LambdaAdapterLayerX86:1"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
	if live := f.Live(); len(live) != 0 {
		t.Errorf("versions left behind: %v", live)
	}
}

func TestPublishRollbackDeniedNamesWhatRemains(t *testing.T) {
	f := testenv.NewFakeLambda(t)
	f.Fail(testenv.LambdaFault{Op: "PublishLayerVersion", LayerName: "LambdaAdapterLayerArm64", Status: 403, Code: "AccessDeniedException", Message: "denied"})
	f.Fail(testenv.LambdaFault{Op: "DeleteLayerVersion", Status: 403, Code: "AccessDeniedException", Message: "no delete"})
	_, err := newPublisher(t, f, "eu-west-1").Publish(context.Background(), request(t))
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not *Error", err)
	}
	live := f.Live()
	if len(live) != 1 || !slices.Equal(pe.Left, live) || len(pe.Deleted) != 0 {
		t.Fatalf("left %v deleted %v, live %v", pe.Left, pe.Deleted, live)
	}
	for _, s := range []string{"could not be deleted and remain (delete them with `aws lambda delete-layer-version`): " + live[0], "DeleteLayerVersion: AccessDeniedException: no delete"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q:\n%s", s, err)
		}
	}
}

// TestPublishWrongSecretRefused shows the fake really checks signatures: the SDK signs with a
// secret the fake does not know, and every call is refused.
func TestPublishWrongSecretRefused(t *testing.T) {
	f := testenv.NewFakeLambda(t)
	awsEnv(t, f, "eu-west-1")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
	cfg, err := LoadConfig(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(cfg, WithBaseEndpoint(f.URL)).Publish(context.Background(), request(t))
	var pe *Error
	if !errors.As(err, &pe) || pe.Failures[0].Code() != "InvalidSignatureException" || !strings.Contains(err.Error(), "check the AWS credentials") {
		t.Fatalf("error %v", err)
	}
	if len(f.BadSignatures()) == 0 || len(f.Calls()) != 0 {
		t.Fatalf("bad signatures %d, accepted calls %d", len(f.BadSignatures()), len(f.Calls()))
	}
}

func TestNoCredentials(t *testing.T) {
	f := testenv.NewFakeLambda(t)
	awsEnv(t, f, "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	_, err := LoadConfig(context.Background(), "")
	if err == nil || !strings.HasPrefix(err.Error(), "no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") {
		t.Fatalf("error %v", err)
	}
}

func TestNoRegion(t *testing.T) {
	f := testenv.NewFakeLambda(t)
	_, err := newPublisher(t, f, "").Publish(context.Background(), request(t))
	if err == nil || err.Error() != "no region: pass --region or set AWS_REGION (or a region in the AWS profile)" {
		t.Fatalf("error %v", err)
	}
	if len(f.Calls()) != 0 {
		t.Fatal("calls made without a region")
	}
}

func TestValidate(t *testing.T) {
	ok := Request{NamePrefix: "P", Zips: []Zip{{Architecture: "arm64"}}, Regions: []string{"us-gov-west-1", "eu-central-2"}}
	if err := Validate(ok); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		change func(*Request)
		want   string
	}{
		{func(r *Request) { r.Regions = []string{"eu-west"} }, `region "eu-west": not an AWS region name (like us-east-1 or eu-central-2)`},
		{func(r *Request) { r.Regions = []string{"us-east-1", "us-east-1"} }, "region us-east-1 given twice"},
		{func(r *Request) { r.Runtimes = []string{"node22"} }, `runtime "node22": not a Lambda runtime identifier (like provided.al2023, nodejs22.x, python3.13)`},
		{func(r *Request) { r.NamePrefix = "my layer" }, `layer name prefix "my layer": use 1 to 135 letters, digits, - and _ (Lambda's layer name pattern, leaving room for X86/Arm64)`},
		{func(r *Request) { r.Zips = nil }, "no layer zips to publish"},
	} {
		r := ok
		tc.change(&r)
		if err := Validate(r); err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
}
