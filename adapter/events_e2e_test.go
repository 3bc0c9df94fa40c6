//go:build e2e

package adapter_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/lwa-go/lwa/internal/testenv"
)

// Event builders for the other HTTP triggers, in the shapes AWS documents (and its sample events use).

type req struct {
	method  string
	path    string
	headers map[string][]string
	query   map[string][]string // decoded values
	body    []byte
	base64  bool
}

func bodyField(r req) string {
	if r.base64 {
		return base64.StdEncoding.EncodeToString(r.body)
	}
	return string(r.body)
}

func firstValues(m map[string][]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v[len(v)-1] // API Gateway keeps the last value in the single-value map
	}
	return out
}

func restV1(r req) []byte {
	ev := map[string]any{
		"resource": "/{proxy+}", "path": r.path, "httpMethod": r.method,
		"headers": firstValues(r.headers), "multiValueHeaders": r.headers,
		"queryStringParameters": firstValues(r.query), "multiValueQueryStringParameters": r.query,
		"requestContext": map[string]any{
			"accountId": "123456789012", "resourceId": "abc", "stage": "prod", "requestId": "rest-req",
			"identity": map[string]any{"sourceIp": "203.0.113.9"}, "resourcePath": "/{proxy+}",
			"httpMethod": r.method, "apiId": "1234567890", "path": "/prod" + r.path,
		},
		"body": bodyField(r), "isBase64Encoded": r.base64,
	}
	b, _ := json.Marshal(ev)
	return b
}

// alb builds an ALB event; query values arrive percent-encoded, as ALB sends them.
func alb(r req, multi bool) []byte {
	enc := map[string][]string{}
	for k, vs := range r.query {
		for _, v := range vs {
			enc[pathEscape(k)] = append(enc[pathEscape(k)], pathEscape(v))
		}
	}
	ev := map[string]any{
		"requestContext": map[string]any{"elb": map[string]any{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/abc"}},
		"httpMethod":     r.method, "path": r.path, "body": bodyField(r), "isBase64Encoded": r.base64,
	}
	if multi {
		ev["multiValueHeaders"], ev["multiValueQueryStringParameters"] = r.headers, enc
	} else {
		ev["headers"], ev["queryStringParameters"] = firstValues(r.headers), firstValues(enc)
	}
	b, _ := json.Marshal(ev)
	return b
}

func lattice(r req) []byte {
	ev := map[string]any{
		"version": "2.0", "path": r.path, "method": r.method, "headers": r.headers,
		"queryStringParameters": r.query, "body": bodyField(r), "isBase64Encoded": r.base64,
		"requestContext": map[string]any{
			"serviceNetworkArn": "arn:aws:vpc-lattice:us-east-2:123456789012:servicenetwork/sn-0bf3f2882e9cc805a",
			"serviceArn":        "arn:aws:vpc-lattice:us-east-2:123456789012:service/svc-0a40eebed65f8d69c",
			"targetGroupArn":    "arn:aws:vpc-lattice:us-east-2:123456789012:targetgroup/tg-6d0ecf831eec9f09",
			"region":            "us-east-2", "timeEpoch": "1690497599177430",
		},
	}
	b, _ := json.Marshal(ev)
	return b
}

func v2From(r req) []byte {
	h := map[string]string{}
	var cookies []string
	for k, vs := range r.headers {
		if strings.EqualFold(k, "cookie") {
			cookies = vs
			continue
		}
		h[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	var q []string
	keys := make([]string, 0, len(r.query))
	for k := range r.query {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range r.query[k] {
			q = append(q, queryEscape(k)+"="+queryEscape(v))
		}
	}
	return testenv.V2(testenv.HTTPEvent{Method: r.method, Path: r.path, Query: strings.Join(q, "&"), Headers: h,
		Cookies: cookies, Body: r.body, Base64: r.base64})
}

// pathEscape is how a client (and so ALB) percent-encodes a query value: spaces as %20.
func pathEscape(s string) string  { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
func queryEscape(s string) string { return url.QueryEscape(s) }

func invokeRaw(t *testing.T, f *fn, payload []byte, headers map[string]string) testenv.HTTPResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.rie.Invoke(ctx, payload, headers)
	if err != nil {
		t.Fatal(err)
	}
	var lr testenv.HTTPResult
	if err := json.Unmarshal(res.Body, &lr); err != nil {
		t.Fatalf("invoke answered %d %q: %v", res.Status, res.Body, err)
	}
	return lr
}

func echoOf(t *testing.T, lr testenv.HTTPResult) anything {
	t.Helper()
	if lr.StatusCode != 200 {
		t.Fatalf("status %d: %+v", lr.StatusCode, lr)
	}
	var echo anything
	if err := json.Unmarshal(lr.BodyBytes(t), &echo); err != nil {
		t.Fatalf("app body %q: %v", lr.BodyBytes(t), err)
	}
	return echo
}

func TestE2EEveryEventType(t *testing.T) {
	f := startFn(t, fnOptions{})
	r := req{
		method: "POST", path: "/anything/e2e/Año",
		headers: map[string][]string{
			"X-Multi": {"one", "two"}, "Content-Type": {"text/plain"}, "Cookie": {"a=1", "b=2"},
			"X-Amzn-Lambda-Context": {`{"spoofed":true}`}, "X-Amzn-Request-Context": {`{"spoofed":true}`},
			"X-Amz-Tenant-Id": {"evil"},
		},
		query: map[string][]string{"tag": {"a", "b"}, "plus": {"a+b"}, "uni": {"ü€"}, "empty": {""}, "sp": {"x y"}},
		body:  []byte("hello body"),
	}
	cases := []struct {
		name       string
		payload    []byte
		multiHdr   bool // repeated headers reach the app as separate values
		descriptor bool // statusDescription expected
	}{
		{"rest-v1", restV1(r), true, false},
		{"http-v2", v2From(r), false, false},
		{"alb-multi", alb(r, true), true, true},
		{"alb-single", alb(r, false), false, true},
		{"lattice-v2", lattice(r), true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lr := invokeRaw(t, f, tc.payload, map[string]string{"X-Amz-Tenant-Id": "real-tenant"})
			echo := echoOf(t, lr)
			if echo.Method != "POST" || echo.Data != "hello body" {
				t.Errorf("method %q data %q", echo.Method, echo.Data)
			}
			if !strings.HasSuffix(echo.URL, "/anything/e2e/A%C3%B1o") && !strings.Contains(echo.URL, "/anything/e2e/A%C3%B1o?") {
				t.Errorf("url %q", echo.URL)
			}
			wantQ := map[string][]string{"plus": {"a+b"}, "uni": {"ü€"}, "empty": {""}, "sp": {"x y"}}
			if tc.name != "alb-single" {
				wantQ["tag"] = []string{"a", "b"}
			}
			for k, v := range wantQ {
				if !slices.Equal(echo.Args[k], v) {
					t.Errorf("query %s = %q, want %q", k, echo.Args[k], v)
				}
			}
			multi := echo.Headers["X-Multi"]
			if tc.multiHdr && !slices.Equal(multi, []string{"one", "two"}) {
				t.Errorf("repeated header reached the app as %q", multi)
			}
			if !tc.multiHdr && len(multi) == 0 {
				t.Errorf("x-multi lost")
			}
			if tc.name != "alb-single" {
				if c := strings.Join(echo.Headers["Cookie"], "; "); c != "a=1; b=2" {
					t.Errorf("cookie %q", c)
				}
			}
			// Spoofed context headers are replaced by the real ones.
			for _, h := range []string{"X-Amzn-Lambda-Context", "X-Amzn-Request-Context"} {
				if got := echo.Headers[h]; len(got) != 1 || strings.Contains(got[0], "spoofed") {
					t.Errorf("%s = %q", h, got)
				}
			}
			if got := echo.Headers["X-Amz-Tenant-Id"]; !slices.Equal(got, []string{"real-tenant"}) {
				t.Errorf("x-amz-tenant-id = %q", got)
			}
			if tc.descriptor != (lr.StatusDescription == "200 OK") {
				t.Errorf("statusDescription %q", lr.StatusDescription)
			}
			if ct := lr.Header("content-type"); len(ct) == 0 || !strings.HasPrefix(ct[0], "application/json") {
				t.Errorf("content-type %q", ct)
			}
		})
	}

	// Cookies from the app, in each trigger's shape.
	cr := req{method: "GET", path: "/cookies/set", query: map[string][]string{"k1": {"v1"}, "k2": {"v2"}}}
	for _, tc := range []struct {
		name    string
		payload []byte
	}{{"rest-v1", restV1(cr)}, {"http-v2", v2From(cr)}, {"alb-multi", alb(cr, true)}, {"lattice-v2", lattice(cr)}} {
		t.Run("set-cookie/"+tc.name, func(t *testing.T) {
			lr := invokeRaw(t, f, tc.payload, nil)
			got := lr.Cookies
			if tc.name != "http-v2" {
				got = lr.Header("set-cookie")
				if len(got) == 1 && tc.name == "lattice-v2" {
					// Lattice answers with single-value headers: repeated values are comma-joined.
					got = strings.Split(got[0], ",")
				}
			}
			slices.Sort(got)
			if len(got) != 2 || !strings.HasPrefix(got[0], "k1=v1") || !strings.HasPrefix(got[1], "k2=v2") {
				t.Errorf("cookies %q in %+v", got, lr)
			}
		})
	}
}

func TestE2EBinaryBodies(t *testing.T) {
	f := startFn(t, fnOptions{})
	up := make([]byte, 1<<20)
	if _, err := rand.Read(up); err != nil {
		t.Fatal(err)
	}
	for name, payload := range map[string][]byte{
		"rest-v1": restV1(req{method: "POST", path: "/anything", headers: map[string][]string{"Content-Type": {"application/octet-stream"}}, body: up, base64: true}),
		"http-v2": v2From(req{method: "POST", path: "/anything", headers: map[string][]string{"Content-Type": {"application/octet-stream"}}, body: up, base64: true}),
		"alb":     alb(req{method: "POST", path: "/anything", headers: map[string][]string{"Content-Type": {"application/octet-stream"}}, body: up, base64: true}, true),
	} {
		t.Run("up/"+name, func(t *testing.T) {
			echo := echoOf(t, invokeRaw(t, f, payload, nil))
			// go-httpbin echoes binary bodies as a data URL in URL-safe base64.
			want := "data:application/octet-stream;base64," + base64.URLEncoding.EncodeToString(up)
			if echo.Data != want {
				t.Errorf("1 MiB body changed on the way to the app (got %d chars)", len(echo.Data))
			}
		})
	}
	// Down: go-httpbin's seeded random bytes, compared with a direct request to the app.
	direct, err := http.Get("http://127.0.0.1:" + strconv.Itoa(f.appPort) + "/bytes/1048576?seed=42")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := io.ReadAll(direct.Body)
	direct.Body.Close()
	for name, payload := range map[string][]byte{
		"rest-v1": restV1(req{method: "GET", path: "/bytes/1048576", query: map[string][]string{"seed": {"42"}}}),
		"http-v2": v2From(req{method: "GET", path: "/bytes/1048576", query: map[string][]string{"seed": {"42"}}}),
		"alb":     alb(req{method: "GET", path: "/bytes/1048576", query: map[string][]string{"seed": {"42"}}}, false),
		"lattice": lattice(req{method: "GET", path: "/bytes/1048576", query: map[string][]string{"seed": {"42"}}}),
	} {
		t.Run("down/"+name, func(t *testing.T) {
			lr := invokeRaw(t, f, payload, nil)
			if !lr.IsBase64Encoded || !bytes.Equal(lr.BodyBytes(t), want) || len(want) != 1<<20 {
				t.Errorf("1 MiB binary response changed: base64=%v, %d bytes", lr.IsBase64Encoded, len(lr.BodyBytes(t)))
			}
		})
	}
}

func TestE2ECompression(t *testing.T) {
	f := startFn(t, fnOptions{env: []string{"AWS_LWA_ENABLE_COMPRESSION=true"}})
	plain := invokeRaw(t, f, testenv.V2(testenv.HTTPEvent{Path: "/json"}), nil)
	if plain.Header("content-encoding") != nil || plain.IsBase64Encoded {
		t.Fatalf("compressed without Accept-Encoding: %+v", plain.Headers)
	}
	for _, enc := range []string{"gzip", "br"} {
		t.Run(enc, func(t *testing.T) {
			lr := invokeRaw(t, f, testenv.V2(testenv.HTTPEvent{Path: "/json", Headers: map[string]string{"accept-encoding": enc}}), nil)
			if got := lr.Header("content-encoding"); !slices.Equal(got, []string{enc}) || !lr.IsBase64Encoded {
				t.Fatalf("content-encoding %q base64 %v", got, lr.IsBase64Encoded)
			}
			var r io.Reader = bytes.NewReader(lr.BodyBytes(t))
			if enc == "gzip" {
				zr, err := gzip.NewReader(r)
				if err != nil {
					t.Fatal(err)
				}
				r = zr
			} else {
				r = brotli.NewReader(r)
			}
			got, err := io.ReadAll(r)
			if err != nil || string(got) != plain.Body {
				t.Errorf("decompressed body differs: %v", err)
			}
			if v := strings.Join(lr.Header("vary"), ","); !strings.Contains(strings.ToLower(v), "accept-encoding") {
				t.Errorf("vary %q", v)
			}
		})
	}
	// A body the app compressed itself goes through untouched, as base64.
	lr := invokeRaw(t, f, testenv.V2(testenv.HTTPEvent{Path: "/gzip"}), nil)
	zr, err := gzip.NewReader(bytes.NewReader(lr.BodyBytes(t)))
	if err != nil {
		t.Fatalf("/gzip body is not gzip: %v (%+v)", err, lr.Headers)
	}
	if b, _ := io.ReadAll(zr); !bytes.Contains(b, []byte(`"gzipped": true`)) && !bytes.Contains(b, []byte(`"gzipped":true`)) {
		t.Errorf("/gzip body %q", b)
	}
}

func TestE2EBasePathAuthSourceErrorStatus(t *testing.T) {
	f := startFn(t, fnOptions{env: []string{
		"AWS_LWA_REMOVE_BASE_PATH=/stage", "AWS_LWA_AUTHORIZATION_SOURCE=X-Custom-Auth", "AWS_LWA_ERROR_STATUS_CODES=500-599",
	}})
	echo := echoOf(t, invokeRaw(t, f, testenv.V2(testenv.HTTPEvent{Path: "/stage/anything/x", Headers: map[string]string{"x-custom-auth": "Bearer tok"}}), nil))
	if !strings.HasSuffix(echo.URL, "/anything/x") || strings.Contains(echo.URL, "/stage") {
		t.Errorf("base path not removed: %q", echo.URL)
	}
	if got := echo.Headers["Authorization"]; !slices.Equal(got, []string{"Bearer tok"}) {
		t.Errorf("authorization %q", got)
	}
	if lr := invokeRaw(t, f, testenv.V2(testenv.HTTPEvent{Path: "/stageanything"}), nil); lr.StatusCode != 404 {
		t.Errorf("/stageanything reached the app as %d: the base path must strip on a segment boundary only", lr.StatusCode)
	}
	lr := invokeRaw(t, f, testenv.V2(testenv.HTTPEvent{Path: "/stage/status/503"}), nil)
	if lr.ErrorType != "Function.ErrorStatusCode" || !strings.Contains(lr.ErrorMessage, "503") {
		t.Errorf("error status 503: %+v", lr)
	}
	if lr := invokeRaw(t, f, testenv.V2(testenv.HTTPEvent{Path: "/stage/status/404"}), nil); lr.StatusCode != 404 || lr.ErrorType != "" {
		t.Errorf("404 is not an error status here: %+v", lr)
	}
}

func TestE2EPassThroughSQS(t *testing.T) {
	f := startFn(t, fnOptions{env: []string{"AWS_LWA_PASS_THROUGH_PATH=/anything/events"}})
	sqs, err := os.ReadFile("event/testdata/events/aws-sqs-event.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.rie.Invoke(ctx, sqs, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The app's JSON answer is the invocation's result, as is.
	var echo struct {
		anything
		JSON json.RawMessage `json:"json"`
	}
	if err := json.Unmarshal(res.Body, &echo); err != nil {
		t.Fatalf("result %q: %v", res.Body, err)
	}
	if echo.Method != "POST" || !strings.HasSuffix(echo.URL, "/anything/events") {
		t.Errorf("pass-through reached %s %s", echo.Method, echo.URL)
	}
	if ct := echo.Headers["Content-Type"]; !slices.Equal(ct, []string{"application/json"}) {
		t.Errorf("content-type %q", ct)
	}
	var sent, got any
	_ = json.Unmarshal(sqs, &sent)
	_ = json.Unmarshal(echo.JSON, &got)
	if !jsonEqual(sent, got) {
		t.Errorf("the app did not get the raw event: %s", echo.JSON)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestE2ECookiesSentTwice sends events that carry their cookies both in the cookies array and in
// headers.cookie (AWS's sample Function URL event, and an HTTP API v2 event) through the RIE, the
// adapter and go-httpbin: the app must get each cookie once (issue 14).
func TestE2ECookiesSentTwice(t *testing.T) {
	f := startFn(t, fnOptions{})
	for _, tc := range []struct{ file, want string }{
		{"aws-lambdaurl-request-with-headers-and-cookies-and-text-body.json", "foo=bar; hello=hello"},
		{"lwa-v2-cookies-both.json", "session=8f2a1c; theme=dark; lang=en-GB"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			payload, err := os.ReadFile("event/testdata/events/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			// The sample's path is /hello; go-httpbin echoes requests under /anything.
			var ev map[string]any
			if err := json.Unmarshal(payload, &ev); err != nil {
				t.Fatal(err)
			}
			ev["rawPath"] = "/anything" + ev["rawPath"].(string)
			if payload, err = json.Marshal(ev); err != nil {
				t.Fatal(err)
			}
			echo := echoOf(t, invokeRaw(t, f, payload, nil))
			if got := echo.Headers["Cookie"]; !slices.Equal(got, []string{tc.want}) {
				t.Errorf("the app got Cookie %q, want [%q]", got, tc.want)
			}
		})
	}
}
