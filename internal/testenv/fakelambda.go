package testenv

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// FakeLambda is a fake of the Lambda control plane's layer operations — PublishLayerVersion,
// AddLayerVersionPermission, GetLayerVersion and DeleteLayerVersion — built from AWS's Lambda API
// reference (REST-JSON under /2018-10-31, status codes, x-amzn-ErrorType errors), because the real
// control plane cannot run here. Every request must carry a valid SigV4 signature for service
// "lambda" with the fake's credentials; the region is the one the request was signed for, so one
// FakeLambda stands for every region. It records each call for tests to inspect.
type FakeLambda struct {
	URL     string
	Account string
	Signer  SigV4

	mu       sync.Mutex
	layers   map[string][]*fakeLayerVersion // region + "/" + name → versions (index = version-1)
	calls    []LambdaCall
	faults   []LambdaFault
	badSigs  []string
	revision int
}

// LambdaCall is one signed request the fake accepted (faults included).
type LambdaCall struct {
	Op            string
	Region        string
	LayerName     string
	Version       int64
	Zip           []byte // PublishLayerVersion's Content.ZipFile, decoded
	Architectures []string
	Runtimes      []string
	Description   string
	LicenseInfo   string
	StatementID   string
	Action        string
	Principal     string
	SignedHeaders []string
}

// LambdaFault makes every matching call fail with an AWS error. Empty fields match anything.
type LambdaFault struct {
	Op, Region, LayerName string
	Status                int
	Code, Message         string
}

type fakeLayerVersion struct {
	arn, layerArn, created, description, license string
	zip                                          []byte
	archs, runtimes                              []string
	policy                                       map[string]string // statement id → principal
	deleted                                      bool
}

// NewFakeLambda starts the fake with fresh credentials (AccessKey, SecretKey, SessionToken in
// f.Signer) and stops it when the test ends.
func NewFakeLambda(t testing.TB) *FakeLambda {
	t.Helper()
	f := &FakeLambda{
		Account: "123456789012",
		Signer: SigV4{
			AccessKey: "AKIDLWAPACKTEST", SecretKey: "lwa-pack-test-secret/" + strconv.FormatInt(time.Now().UnixNano(), 36),
			SessionToken: "lwa-pack-session-token", Service: "lambda",
		},
		layers: map[string][]*fakeLayerVersion{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2018-10-31/layers/{name}/versions", f.publish)
	mux.HandleFunc("GET /2018-10-31/layers/{name}/versions/{version}", f.get)
	mux.HandleFunc("DELETE /2018-10-31/layers/{name}/versions/{version}", f.delete)
	mux.HandleFunc("POST /2018-10-31/layers/{name}/versions/{version}/policy", f.addPermission)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		lambdaError(w, http.StatusNotFound, "UnknownOperationException", "Unknown operation "+r.Method+" "+r.URL.Path)
	})
	srv := httptest.NewServer(f.verify(mux))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Fail adds a fault.
func (f *FakeLambda) Fail(fault LambdaFault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, fault)
}

// Calls returns the calls so far, in arrival order.
func (f *FakeLambda) Calls() []LambdaCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]LambdaCall(nil), f.calls...)
}

// BadSignatures returns why each refused request's signature did not verify.
func (f *FakeLambda) BadSignatures() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.badSigs...)
}

// Live returns the ARNs of the layer versions that exist (published and not deleted).
func (f *FakeLambda) Live() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, vs := range f.layers {
		for _, v := range vs {
			if !v.deleted {
				out = append(out, v.arn)
			}
		}
	}
	return out
}

// Policy returns a layer version's statements (statement id → principal), nil if it does not exist.
func (f *FakeLambda) Policy(region, name string, version int64) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v := f.version(region, name, version); v != nil {
		return v.policy
	}
	return nil
}

type signedKey struct{}

// signed returns what verify found the request signed for.
func signed(r *http.Request) SignedRequest {
	sr, _ := r.Context().Value(signedKey{}).(SignedRequest)
	return sr
}

// verify refuses any request whose SigV4 signature does not verify, as Lambda does (403
// InvalidSignatureException), and passes the signed region on.
func (f *FakeLambda) verify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sr, err := f.Signer.Verify(r)
		if err != nil {
			f.mu.Lock()
			f.badSigs = append(f.badSigs, err.Error())
			f.mu.Unlock()
			lambdaError(w, http.StatusForbidden, "InvalidSignatureException", err.Error())
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), signedKey{}, sr)))
	})
}

// record stores the call and reports whether a fault answered it.
func (f *FakeLambda) record(w http.ResponseWriter, c LambdaCall) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	for _, ft := range f.faults {
		if (ft.Op == "" || ft.Op == c.Op) && (ft.Region == "" || ft.Region == c.Region) && (ft.LayerName == "" || ft.LayerName == c.LayerName) {
			if ft.Code == "TooManyRequestsException" {
				w.Header().Set("Retry-After", "1")
			}
			lambdaError(w, ft.Status, ft.Code, ft.Message)
			return true
		}
	}
	return false
}

var (
	layerNamePattern   = regexp.MustCompile(`^(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+|[a-zA-Z0-9-_]+)$`)
	statementIDPattern = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,100}$`)
	principalPattern   = regexp.MustCompile(`^(\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root)$`)
)

type publishBody struct {
	CompatibleArchitectures []string
	CompatibleRuntimes      []string
	Content                 struct{ ZipFile []byte } // JSON blob: base64, as encoding/json decodes []byte
	Description             string
	LicenseInfo             string
}

func (f *FakeLambda) publish(w http.ResponseWriter, r *http.Request) {
	region, name := signed(r).Region, r.PathValue("name")
	var in publishBody
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "Could not parse request body into json: "+err.Error())
		return
	}
	c := LambdaCall{Op: "PublishLayerVersion", Region: region, LayerName: name, Zip: in.Content.ZipFile,
		Architectures: in.CompatibleArchitectures, Runtimes: in.CompatibleRuntimes, Description: in.Description, LicenseInfo: in.LicenseInfo}
	c.SignedHeaders = signed(r).SignedHeaders
	if f.record(w, c) {
		return
	}
	if msg := validatePublish(name, in); msg != "" {
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", msg)
		return
	}
	f.mu.Lock()
	key := region + "/" + name
	n := int64(len(f.layers[key]) + 1)
	layerArn := fmt.Sprintf("arn:aws:lambda:%s:%s:layer:%s", region, f.Account, name)
	v := &fakeLayerVersion{
		arn: fmt.Sprintf("%s:%d", layerArn, n), layerArn: layerArn, zip: in.Content.ZipFile,
		created: time.Now().UTC().Format("2006-01-02T15:04:05.000-0700"), description: in.Description, license: in.LicenseInfo,
		archs: in.CompatibleArchitectures, runtimes: in.CompatibleRuntimes, policy: map[string]string{},
	}
	f.layers[key] = append(f.layers[key], v)
	f.mu.Unlock()
	writeLambdaJSON(w, http.StatusCreated, v.describe(n))
}

// validatePublish applies the API reference's constraints on PublishLayerVersion's input.
func validatePublish(name string, in publishBody) string {
	switch {
	case len(name) > 140 || !layerNamePattern.MatchString(name):
		return "1 validation error detected: Value '" + name + "' at 'layerName' failed to satisfy constraint"
	case len(in.Content.ZipFile) == 0:
		return "Content.ZipFile or Content.S3Bucket and S3Key are required"
	case len(in.CompatibleArchitectures) > 2:
		return "CompatibleArchitectures takes at most 2 items"
	case len(in.CompatibleRuntimes) > 15:
		return "CompatibleRuntimes takes at most 15 items"
	case len(in.Description) > 256:
		return "Description is longer than 256"
	case len(in.LicenseInfo) > 512:
		return "LicenseInfo is longer than 512"
	}
	for _, a := range in.CompatibleArchitectures {
		if a != "x86_64" && a != "arm64" {
			return "Value '" + a + "' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]"
		}
	}
	if _, err := zip.NewReader(bytes.NewReader(in.Content.ZipFile), int64(len(in.Content.ZipFile))); err != nil {
		return "Could not unzip uploaded file. Please check your file, then try to upload again."
	}
	return ""
}

func (v *fakeLayerVersion) describe(n int64) map[string]any {
	sum := sha256.Sum256(v.zip)
	out := map[string]any{
		"Content": map[string]any{
			"CodeSha256": base64.StdEncoding.EncodeToString(sum[:]),
			"CodeSize":   len(v.zip),
			"Location":   "https://awslambda-layers.invalid/snapshots/" + strconv.FormatInt(n, 10),
		},
		"LayerArn": v.layerArn, "LayerVersionArn": v.arn, "Version": n, "CreatedDate": v.created,
		"CompatibleArchitectures": v.archs, "CompatibleRuntimes": v.runtimes,
	}
	if v.description != "" {
		out["Description"] = v.description
	}
	if v.license != "" {
		out["LicenseInfo"] = v.license
	}
	return out
}

// version looks a layer version up; f.mu must be held.
func (f *FakeLambda) version(region, name string, n int64) *fakeLayerVersion {
	vs := f.layers[region+"/"+name]
	if n < 1 || n > int64(len(vs)) || vs[n-1].deleted {
		return nil
	}
	return vs[n-1]
}

// versionCall is the call a request on one layer version makes: its operation, the signed region,
// and the layer name and version from the path (a version that is not a number is 0, which no
// layer has).
func versionCall(r *http.Request, op string) LambdaCall {
	n, _ := strconv.ParseInt(r.PathValue("version"), 10, 64)
	return LambdaCall{Op: op, Region: signed(r).Region, LayerName: r.PathValue("name"), Version: n}
}

func (f *FakeLambda) get(w http.ResponseWriter, r *http.Request) {
	c := versionCall(r, "GetLayerVersion")
	if f.record(w, c) {
		return
	}
	f.mu.Lock()
	v := f.version(c.Region, c.LayerName, c.Version)
	f.mu.Unlock()
	if v == nil {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "The resource you requested does not exist.")
		return
	}
	writeLambdaJSON(w, http.StatusOK, v.describe(c.Version))
}

func (f *FakeLambda) delete(w http.ResponseWriter, r *http.Request) {
	c := versionCall(r, "DeleteLayerVersion")
	if f.record(w, c) {
		return
	}
	f.mu.Lock()
	if v := f.version(c.Region, c.LayerName, c.Version); v != nil {
		v.deleted = true
	}
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent) // also for a version that does not exist, as Lambda does
}

func (f *FakeLambda) addPermission(w http.ResponseWriter, r *http.Request) {
	c := versionCall(r, "AddLayerVersionPermission")
	var in struct{ Action, OrganizationId, Principal, StatementId string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "Could not parse request body into json: "+err.Error())
		return
	}
	c.StatementID, c.Action, c.Principal = in.StatementId, in.Action, in.Principal
	if f.record(w, c) {
		return
	}
	if in.Action != "lambda:GetLayerVersion" || !principalPattern.MatchString(in.Principal) || !statementIDPattern.MatchString(in.StatementId) {
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "Action, Principal or StatementId does not satisfy its constraint")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.version(c.Region, c.LayerName, c.Version)
	if v == nil {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Layer version "+c.LayerName+":"+r.PathValue("version")+" does not exist.")
		return
	}
	if _, dup := v.policy[in.StatementId]; dup {
		lambdaError(w, http.StatusConflict, "ResourceConflictException", "The statement id ("+in.StatementId+") provided already exists. Please provide a new statement id, or remove the existing statement.")
		return
	}
	v.policy[in.StatementId] = in.Principal
	f.revision++
	stmt, _ := json.Marshal(map[string]any{"Sid": in.StatementId, "Effect": "Allow", "Principal": in.Principal, "Action": in.Action, "Resource": v.arn})
	writeLambdaJSON(w, http.StatusCreated, map[string]any{"Statement": string(stmt), "RevisionId": fmt.Sprintf("rev-%d", f.revision)})
}

// lambdaError writes an error as Lambda's REST-JSON protocol does: the code in x-amzn-ErrorType,
// {"Type": "User"|"Service", "message": ...} in the body.
func lambdaError(w http.ResponseWriter, status int, code, message string) {
	typ := "User"
	if status >= 500 {
		typ = "Service"
	}
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("X-Amzn-RequestId", strconv.FormatInt(time.Now().UnixNano(), 16))
	writeLambdaJSON(w, status, map[string]string{"Type": typ, "message": message})
}

func writeLambdaJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
