package event

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestKindDetection(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    Kind
	}{
		{"v1", `{"httpMethod":"GET","path":"/","requestContext":{"httpMethod":"GET"}}`, KindAPIGatewayV1},
		{"v1 without requestContext.httpMethod is not v1", `{"httpMethod":"GET","path":"/","requestContext":{}}`, KindPassThrough},
		{"v2", `{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}}}`, KindAPIGatewayV2},
		{"alb", `{"httpMethod":"GET","path":"/","requestContext":{"elb":{"targetGroupArn":"x"}}}`, KindALB},
		{"lattice v2", `{"version":"2.0","method":"GET","path":"/","requestContext":{"serviceNetworkArn":"arn"}}`, KindLattice},
		{"lattice v1 is pass-through", `{"raw_path":"/","method":"GET","headers":{}}`, KindPassThrough},
		{"lattice without version 2.0", `{"method":"GET","path":"/","requestContext":{"serviceNetworkArn":"arn"}}`, KindPassThrough},
		{"sqs", `{"Records":[{"body":"x"}]}`, KindPassThrough},
		{"array", `[1,2,3]`, KindPassThrough},
		{"string", `"hello"`, KindPassThrough},
		{"number", `42`, KindPassThrough},
		{"null", `null`, KindPassThrough},
		{"http-looking field of another type", `{"headers":5,"requestContext":{"http":{}}}`, KindPassThrough},
		{"requestContext not an object", `{"requestContext":"x","httpMethod":"GET"}`, KindPassThrough},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Decode([]byte(tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			if e.Kind != tc.want {
				t.Fatalf("kind %s, want %s", e.Kind, tc.want)
			}
			if e.Kind == KindPassThrough && string(e.Raw) != tc.payload {
				t.Errorf("pass-through Raw = %q", e.Raw)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{
		KindPassThrough: "pass-through", KindAPIGatewayV1: "apigateway-v1", KindAPIGatewayV2: "apigateway-v2",
		KindALB: "alb", KindLattice: "vpc-lattice-v2", Kind(200): "unknown",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", k, got, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, payload, want string
	}{
		{"invalid JSON", `{"httpMethod":`, "invalid JSON"},
		{"empty", ``, "invalid JSON"},
		{"invalid base64", `{"version":"2.0","requestContext":{"http":{"method":"POST"}},"body":"not*base64!","isBase64Encoded":true}`,
			"body has isBase64Encoded=true but is not valid base64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.payload))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDecodeBase64Variants(t *testing.T) {
	for _, body := range []string{"aGk=", "aGk"} {
		e, err := Decode([]byte(`{"version":"2.0","requestContext":{"http":{"method":"POST"}},"body":"` + body + `","isBase64Encoded":true}`))
		if err != nil {
			t.Fatal(err)
		}
		if string(e.Body) != "hi" {
			t.Errorf("%s: body %q", body, e.Body)
		}
	}
}

func TestEncodePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"x", "/x"},
		{"/Año_1234", "/A%C3%B1o_1234"},
		{"/a b", "/a%20b"},
		{"/already%20encoded", "/already%20encoded"},
		{"/100%", "/100%25"},
		{"/bad%zz", "/bad%25zz"},
		{"/q?x#y", "/q%3Fx%23y"},
		{"/\x00\x04\x7f", "/%00%04%7F"},
		{"/keep:@!$&'()*+,;=-._~", "/keep:@!$&'()*+,;=-._~"},
		{"/[v6]{}|\\^`\"<>", "/%5Bv6%5D%7B%7D%7C%5C%5E%60%22%3C%3E"},
	}
	for _, tc := range tests {
		if got := encodePath(tc.in); got != tc.want {
			t.Errorf("encodePath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestStripBasePath(t *testing.T) {
	tests := []struct{ path, base, want string }{
		{"/api/x", "/api", "/x"},
		{"/api", "/api", "/"},
		{"/apix", "/api", "/apix"},
		{"/api/x", "/api/", "/x"},
		{"/api/x", "", "/api/x"},
		{"/api/x", "/", "/api/x"},
		{"/other/api/x", "/api", "/other/api/x"},
		{"/api/api/x", "/api", "/api/x"}, // once
		{"/A%C3%B1o/x", "/Año", "/x"},
		{"/stage", "stage", "/"},
	}
	for _, tc := range tests {
		if got := stripBasePath(tc.path, tc.base); got != tc.want {
			t.Errorf("stripBasePath(%q, %q) = %q, want %q", tc.path, tc.base, got, tc.want)
		}
	}
}

func TestQueryEncoding(t *testing.T) {
	// A decoded value (API Gateway REST) is encoded once; an encoded one (ALB, v2 rawQueryString)
	// keeps its encoding.
	component := []struct{ in, want string }{
		{"a+b", "a%2Bb"}, {"1%2B1", "1%252B1"}, {"with space", "with%20space"}, {"ü", "%C3%BC"},
		{"", ""}, {"x&y=z", "x%26y%3Dz"}, {"~safe-._", "~safe-._"},
	}
	for _, tc := range component {
		if got := escapeComponent(tc.in); got != tc.want {
			t.Errorf("escapeComponent(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	raw := []struct{ in, want string }{
		{"a=1+2&b=%2B&c=", "a=1+2&b=%2B&c="},
		{"s=with space", "s=with%20space"},
		{"u=ü", "u=%C3%BC"},
		{"u=%C3%BC", "u=%C3%BC"},
		{"frag=#x", "frag=%23x"},
		{"bad=%zz&pct=100%", "bad=%25zz&pct=100%25"},
		{"json={\"a\":[1]}", "json={\"a\":[1]}"},
		{"ctl=\x01\x7f", "ctl=%01%7F"},
	}
	for _, tc := range raw {
		if got := normalizeQuery(tc.in); got != tc.want {
			t.Errorf("normalizeQuery(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestQueryFromMaps(t *testing.T) {
	multi := []kv{{"b", []string{"2", "1"}}, {"a", []string{"x y"}}, {"d", []string{"old"}}, {"d", nil}}
	single := []kv{{"b", []string{"1"}}, {"c", []string{"only+single"}}}
	if got, want := buildQuery(single, multi, escapeComponent), "a=x%20y&b=2&b=1&c=only%2Bsingle&d="; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := buildQuery(nil, nil, escapeComponent); got != "" {
		t.Errorf("empty maps: %q", got)
	}
}

// request decodes payload and builds its request with opts (Host defaulted).
func request(t *testing.T, payload string, opts RequestOptions) *http.Request {
	t.Helper()
	e, err := Decode([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1:8080"
	}
	req, err := e.Request(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

const v2Event = `{"version":"2.0","rawPath":"/api/items","rawQueryString":"a=1",
	"headers":{"host":"example.com","x-api-key":"secret","authorization":"old","x-amzn-request-context":"spoof",
	"x-amzn-lambda-context":"spoof","x-amz-tenant-id":"spoof","x-amzn-trace-id":"Root=from-apigw"},
	"requestContext":{"http":{"method":"GET","path":"/api/items"},"requestId":"r"}}`

func TestRequestContextHeaders(t *testing.T) {
	t.Run("overwritten", func(t *testing.T) {
		req := request(t, v2Event, RequestOptions{LambdaContext: []byte(`{"request_id":"x"}`), TraceID: "Root=lambda", TenantID: "t1"})
		want := map[string]string{
			HeaderRequestContext: `{"http":{"method":"GET","path":"/api/items"},"requestId":"r"}`,
			HeaderLambdaContext:  `{"request_id":"x"}`,
			HeaderTenantID:       "t1",
			HeaderTraceID:        "Root=lambda",
		}
		for k, v := range want {
			if got := req.Header.Values(k); len(got) != 1 || got[0] != v {
				t.Errorf("%s = %q, want [%q]", k, got, v)
			}
		}
	})
	t.Run("spoofed ones removed when Lambda has none", func(t *testing.T) {
		req := request(t, v2Event, RequestOptions{})
		if v := req.Header.Get(HeaderLambdaContext); v != "" {
			t.Errorf("lambda context %q", v)
		}
		if v := req.Header.Get(HeaderTenantID); v != "" {
			t.Errorf("tenant %q", v)
		}
		if v := req.Header.Get(HeaderTraceID); v != "Root=from-apigw" {
			t.Errorf("trace id %q: API Gateway's should be kept", v)
		}
	})
	t.Run("control bytes", func(t *testing.T) {
		req := request(t, v2Event, RequestOptions{TenantID: "t\x001", TraceID: "Root=\r\nX: y", LambdaContext: []byte("{\n \"a\": \"\x7f\"\n}")})
		if v := req.Header.Get(HeaderTenantID); v != "t1" {
			t.Errorf("tenant %q", v)
		}
		if v := req.Header.Get(HeaderTraceID); v != "Root=X: y" {
			t.Errorf("trace %q", v)
		}
		if v := req.Header.Get(HeaderLambdaContext); v != `{"a":"\u007f"}` {
			t.Errorf("lambda context %q", v)
		}
		if err := req.Write(io.Discard); err != nil {
			t.Error(err)
		}
	})
}

func TestRequestAuthorizationSource(t *testing.T) {
	req := request(t, v2Event, RequestOptions{AuthorizationSource: "x-api-key"})
	if got := req.Header.Values("Authorization"); len(got) != 1 || got[0] != "secret" {
		t.Errorf("Authorization = %q", got)
	}
	if req.Header.Get("X-Api-Key") != "" {
		t.Error("source header kept")
	}
	req = request(t, v2Event, RequestOptions{AuthorizationSource: "X-Absent"})
	if got := req.Header.Get("Authorization"); got != "old" {
		t.Errorf("Authorization = %q, want the original when the source is absent", got)
	}
}

func TestRequestHostAndBasePath(t *testing.T) {
	req := request(t, v2Event, RequestOptions{RemoveBasePath: "/api"})
	if req.Host != "example.com" || req.URL.Host != "127.0.0.1:8080" {
		t.Errorf("Host %q, URL host %q", req.Host, req.URL.Host)
	}
	if got := req.URL.RequestURI(); got != "/items?a=1" {
		t.Errorf("RequestURI %q", got)
	}
	bad := strings.Replace(v2Event, `"host":"example.com"`, `"host":"exa mple.com/\u0001"`, 1)
	if req := request(t, bad, RequestOptions{}); req.Host != "127.0.0.1:8080" {
		t.Errorf("invalid Host %q forwarded", req.Host)
	}
}

func TestRequestPassThrough(t *testing.T) {
	payload := `{"Records":[{"body":"x"}]}`
	req := request(t, payload, RequestOptions{PassThroughPath: "/sqs", RemoveBasePath: "/sqs"})
	if req.Method != http.MethodPost || req.URL.RequestURI() != "/sqs" || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s %s %v", req.Method, req.URL.RequestURI(), req.Header)
	}
	body, _ := io.ReadAll(req.Body)
	if string(body) != payload || req.ContentLength != int64(len(payload)) {
		t.Errorf("body %q (%d)", body, req.ContentLength)
	}
	if req := request(t, payload, RequestOptions{}); req.URL.Path != DefaultPassThroughPath {
		t.Errorf("default path %q", req.URL.Path)
	}
}

func TestRequestIsRepeatable(t *testing.T) {
	e, err := Decode([]byte(v2Event))
	if err != nil {
		t.Fatal(err)
	}
	opts := RequestOptions{Host: "h:1", AuthorizationSource: "X-Api-Key"}
	r1, _ := e.Request(context.Background(), opts)
	r1.Header.Set("X-Added", "1")
	r2, _ := e.Request(context.Background(), opts)
	if r2.Header.Get("X-Added") != "" || r2.Header.Get("Authorization") != "secret" {
		t.Errorf("second request sees the first one's changes: %v", r2.Header)
	}
}

func TestRequestErrors(t *testing.T) {
	var nilEvent *Event
	if _, err := nilEvent.Request(context.Background(), RequestOptions{Host: "h"}); err == nil {
		t.Error("nil event: no error")
	}
	e := &Event{Kind: KindAPIGatewayV2, Method: "GET", Path: "/"}
	if _, err := e.Request(context.Background(), RequestOptions{}); err == nil {
		t.Error("no host: no error")
	}
	e.Method = "BAD METHOD"
	if _, err := e.Request(context.Background(), RequestOptions{Host: "h"}); err == nil {
		t.Error("invalid method: no error")
	}
}

func TestLambdaContextShape(t *testing.T) {
	lc := LambdaContext{
		RequestID: "id\"1", Deadline: 1700000000123, InvokedFunctionARN: "arn", XRayTraceID: "Root=1",
		ClientContext: json.RawMessage(`{"client":{"installation_id":"i","app_title":"t"},"custom":{"k":"v"},"env":{"platform":"ios"}}`),
		Identity:      json.RawMessage(`{"cognitoIdentityId":"us-east-1:1","cognitoIdentityPoolId":"us-east-1:pool"}`),
		TenantID:      "t", EnvConfig: EnvConfig{FunctionName: "f", Memory: 128, Version: "$LATEST", LogStream: "s", LogGroup: "g"},
	}
	got := string(lc.Marshal())
	want := `{"request_id":"id\"1","deadline":1700000000123,"invoked_function_arn":"arn","xray_trace_id":"Root=1",` +
		`"client_context":{"client":{"installationId":"i","appTitle":"t","appVersionName":"","appVersionCode":"","appPackageName":""},"custom":{"k":"v"},"environment":{"platform":"ios"}},` +
		`"identity":{"identityId":"us-east-1:1","identityPoolId":"us-east-1:pool"},"tenant_id":"t",` +
		`"env_config":{"function_name":"f","memory":128,"version":"$LATEST","log_stream":"s","log_group":"g"}}`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	empty := LambdaContext{ClientContext: json.RawMessage("null"), Identity: json.RawMessage("not json")}
	if got := string(empty.Marshal()); !strings.Contains(got, `"xray_trace_id":null,"client_context":null,"identity":null,"tenant_id":null`) {
		t.Errorf("empty: %s", got)
	}
}

func TestLambdaContextAllocs(t *testing.T) {
	lc := LambdaContext{RequestID: "8476a536-e9f4-11e8-9739-2dfe598c3fcd", Deadline: 1, InvokedFunctionARN: "arn:aws:lambda:us-east-1:1:function:f",
		XRayTraceID: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700", EnvConfig: EnvConfig{FunctionName: "f", Memory: 128, Version: "$LATEST"}}
	if n := testing.AllocsPerRun(100, func() { _ = lc.Marshal() }); n > 1 {
		t.Errorf("%v allocations per Marshal, want 1", n)
	}
}

func TestEncodeHeaderNamesAnyCase(t *testing.T) {
	e := &Event{Kind: KindAPIGatewayV2}
	out, err := Encode(e, &Response{StatusCode: 200, Header: http.Header{
		"content-type": {"application/octet-stream"}, "set-cookie": {"a=1"}, "Set-Cookie": {"b=2"}, "transfer-encoding": {"chunked"},
	}, Body: []byte("abc")})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"statusCode":200,"headers":{"content-type":"application/octet-stream"},"cookies":["b=2","a=1"],"body":"YWJj","isBase64Encoded":true}`
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// TestRequestContextHeaderValue checks x-amzn-request-context is on every request, once: the HTTP
// event's requestContext, else null as AWS's Rust adapter sends for pass-through events, never a
// value the client sent.
func TestRequestContextHeaderValue(t *testing.T) {
	const spoof = `"x-amzn-request-context":"{\"spoofed\":true}"`
	tests := []struct {
		name    string
		payload string
		kind    Kind
		want    string
	}{
		{"sqs", `{"Records":[{"body":"x"}]}`, KindPassThrough, "null"},
		{"pass-through with requestContext null", `{"requestContext": null,"detail":{}}`, KindPassThrough, "null"},
		{"pass-through with requestContext not an object", `{"requestContext":"x","httpMethod":"GET"}`, KindPassThrough, "null"},
		{"websocket without httpMethod", `{"headers":{"Host":"h",` + spoof + `},"requestContext":{"routeKey":"$connect","eventType":"CONNECT","connectionId":"c"}}`, KindPassThrough, "null"},
		{"array", `[1,2]`, KindPassThrough, "null"},
		{"null event", `null`, KindPassThrough, "null"},
		{"v1", `{"httpMethod":"GET","path":"/","headers":{` + spoof + `},"requestContext":{"httpMethod":"GET","stage":"prod"}}`, KindAPIGatewayV1,
			`{"httpMethod":"GET","stage":"prod"}`},
		{"v2 pretty-printed", "{\"requestContext\": {\n  \"http\": {\"method\": \"GET\"}\n},\"headers\":{" + spoof + "}}", KindAPIGatewayV2,
			`{"http":{"method":"GET"}}`},
		{"alb", `{"httpMethod":"GET","path":"/","requestContext":{"elb":{"targetGroupArn":"t"}}}`, KindALB, `{"elb":{"targetGroupArn":"t"}}`},
		{"lattice", `{"version":"2.0","method":"GET","path":"/","requestContext":{"serviceNetworkArn":"a"}}`, KindLattice, `{"serviceNetworkArn":"a"}`},
		// A repeated key: detected as v2 by the first, the requestContext is the last, null.
		{"v2 whose requestContext ends up null", `{"requestContext":{"http":{"method":"GET"}},"headers":{` + spoof + `},"requestContext": null}`, KindAPIGatewayV2, "null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Decode([]byte(tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			if e.Kind != tc.kind {
				t.Fatalf("kind %s, want %s", e.Kind, tc.kind)
			}
			req, err := e.Request(context.Background(), RequestOptions{Host: "127.0.0.1:8080"})
			if err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Values(HeaderRequestContext); len(got) != 1 || got[0] != tc.want {
				t.Errorf("%s = %q, want [%q]", HeaderRequestContext, got, tc.want)
			}
		})
	}
}

// TestRequestContextHeaderHandBuilt checks events built without Decode: no requestContext, or a null
// one, gives null, and a client-sent header never survives.
func TestRequestContextHeaderHandBuilt(t *testing.T) {
	tests := []struct {
		name string
		e    Event
		want string
	}{
		{"v2 without requestContext", Event{Kind: KindAPIGatewayV2, Method: "GET", Path: "/"}, "null"},
		{"v1 with requestContext null", Event{Kind: KindAPIGatewayV1, Method: "GET", Path: "/", RequestContext: json.RawMessage(" null ")}, "null"},
		{"alb with requestContext", Event{Kind: KindALB, Method: "GET", Path: "/", RequestContext: json.RawMessage(` {"elb":{}} `)}, `{"elb":{}}`},
		{"pass-through with requestContext", Event{Kind: KindPassThrough, Raw: []byte(`{}`), RequestContext: json.RawMessage(`{"a":1}`)}, "null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.e.Header = http.Header{HeaderRequestContext: {`{"spoofed":true}`, "second"}}
			req, err := tc.e.Request(context.Background(), RequestOptions{Host: "127.0.0.1:8080"})
			if err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Values(HeaderRequestContext); len(got) != 1 || got[0] != tc.want {
				t.Errorf("%s = %q, want [%q]", HeaderRequestContext, got, tc.want)
			}
			if got := tc.e.Header[HeaderRequestContext]; len(got) != 2 {
				t.Errorf("the event's headers were changed: %q", got)
			}
		})
	}
}

// TestDecodeRequestContextValue checks Event.RequestContext is the value without the whitespace
// before it, and nil for null, whatever the spacing.
func TestDecodeRequestContextValue(t *testing.T) {
	tests := []struct{ payload, want string }{
		{`{"requestContext":null}`, ""},
		{`{"requestContext" :  null }`, ""},
		{"{\"requestContext\":\n\tnull}", ""},
		{`{"requestContext": "x"}`, `"x"`},
		{`{"requestContext": 5 }`, `5`},
		{`{"requestContext":  {"http":{"method":"GET"}} }`, `{"http":{"method":"GET"}}`},
		{`{"Records":[]}`, ""},
	}
	for _, tc := range tests {
		e, err := Decode([]byte(tc.payload))
		if err != nil {
			t.Fatal(err)
		}
		if string(e.RequestContext) != tc.want || tc.want == "" && e.RequestContext != nil {
			t.Errorf("%s: RequestContext %q, want %q", tc.payload, e.RequestContext, tc.want)
		}
	}
}
