package local

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/event"
)

func incoming(method, target string, h http.Header, body []byte) Incoming {
	return Incoming{Method: method, Target: target, Host: "127.0.0.1:3000", Header: h, Body: body,
		SourceIP: "127.0.0.1", RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", Time: time.Unix(1796300000, 0)}
}

// Every trigger's event, decoded by the adapter itself, gives back the request the client sent:
// method, path, query (repeated keys too), repeated headers, cookies and body (binary included).
func TestEventsRoundTripThroughTheAdaptersDecoder(t *testing.T) {
	binary := []byte{0, 1, 2, 0xff, 0xfe, 'x'}
	cases := []struct {
		name, method, target string
		header               http.Header
		body                 []byte
		wantQuery            url.Values
	}{
		{"get with repeated query and headers", "GET", "/anything/a?x=1&x=2&y=a%20b",
			http.Header{"X-Multi": {"one", "two"}, "Cookie": {"a=1; b=2"}}, nil, url.Values{"x": {"1", "2"}, "y": {"a b"}}},
		{"unicode and encoded path", "GET", "/anything/caf%C3%A9/a%20b", http.Header{}, nil, url.Values{}},
		{"post json", "POST", "/post", http.Header{"Content-Type": {"application/json"}}, []byte(`{"k":"v"}`), url.Values{}},
		{"binary upload", "PUT", "/put", http.Header{"Content-Type": {"application/octet-stream"}}, binary, url.Values{}},
	}
	for _, tr := range Triggers() {
		for _, c := range cases {
			t.Run(string(tr)+"/"+c.name, func(t *testing.T) {
				raw, err := tr.Event(incoming(c.method, c.target, c.header, c.body))
				if err != nil {
					t.Fatal(err)
				}
				ev, err := event.Decode(raw)
				if err != nil {
					t.Fatalf("adapter cannot decode: %v\n%s", err, raw)
				}
				if ev.Kind == event.KindPassThrough {
					t.Fatalf("adapter took the %s event for a pass-through event:\n%s", tr, raw)
				}
				wantPath, _, _ := strings.Cut(c.target, "?")
				if ev.Method != c.method || ev.Path != wantPath || !bytes.Equal(ev.Body, c.body) {
					t.Fatalf("decoded %s %s body %q; want %s %s %q\n%s", ev.Method, ev.Path, ev.Body, c.method, wantPath, c.body, raw)
				}
				q, _ := url.ParseQuery(ev.RawQuery)
				if !sameValues(q, c.wantQuery, tr) {
					t.Fatalf("query %v, want %v\n%s", q, c.wantQuery, raw)
				}
				if m := c.header.Values("X-Multi"); len(m) > 0 {
					got := strings.Join(ev.Header.Values("X-Multi"), ",")
					want := "one,two"
					if tr == RESTAPI || tr == ALBMultiValue || tr == Lattice {
						got = strings.Join(ev.Header.Values("X-Multi"), "|")
						want = "one|two"
					}
					if tr == ALB {
						want = "two" // ALB without multi-value headers keeps the last value
					}
					if got != want {
						t.Fatalf("X-Multi %q, want %q\n%s", got, want, raw)
					}
				}
				if c.header.Get("Cookie") != "" && ev.Header.Get("Cookie") != "a=1; b=2" {
					t.Fatalf("Cookie %q, want a=1; b=2\n%s", ev.Header.Values("Cookie"), raw)
				}
			})
		}
	}
}

// sameValues compares queries; ALB without multi-value keeps only the last value of a key.
func sameValues(got, want url.Values, tr Trigger) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		if tr == ALB {
			w = w[len(w)-1:]
		}
		if !slices.Equal(got[k], w) {
			return false
		}
	}
	return true
}

func TestEventShapes(t *testing.T) {
	in := incoming("POST", "/p?a=1&a=2", http.Header{"Cookie": {"a=1; b=2"}, "Content-Type": {"image/png"}}, []byte{0x89, 'P', 'N', 'G'})
	decode := func(tr Trigger) map[string]any {
		raw, err := tr.Event(in)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	v2 := decode(HTTPAPI)
	if v2["version"] != "2.0" || v2["rawQueryString"] != "a=1&a=2" || v2["isBase64Encoded"] != true ||
		v2["body"] != "iVBORw==" || len(v2["cookies"].([]any)) != 2 || v2["headers"].(map[string]any)["cookie"] != nil {
		t.Fatalf("http-api event: %v", v2)
	}
	if qs := v2["queryStringParameters"].(map[string]any); qs["a"] != "1,2" {
		t.Fatalf("http-api joins repeated query values: %v", qs)
	}
	rc := v2["requestContext"].(map[string]any)
	if rc["requestId"] != in.RequestID || rc["stage"] != "$default" {
		t.Fatalf("http-api requestContext: %v", rc)
	}
	v1 := decode(RESTAPI)
	if v1["resource"] != "/{proxy+}" || v1["multiValueQueryStringParameters"].(map[string]any)["a"].([]any)[1] != "2" ||
		v1["requestContext"].(map[string]any)["path"] != "/local/p" {
		t.Fatalf("rest-api event: %v", v1)
	}
	alb := decode(ALB)
	if alb["multiValueHeaders"] != nil || alb["queryStringParameters"].(map[string]any)["a"] != "2" {
		t.Fatalf("alb event: %v", alb)
	}
	albm := decode(ALBMultiValue)
	if albm["headers"] != nil || len(albm["multiValueQueryStringParameters"].(map[string]any)["a"].([]any)) != 2 {
		t.Fatalf("alb multi-value event: %v", albm)
	}
	lat := decode(Lattice)
	if lat["version"] != "2.0" || lat["requestContext"].(map[string]any)["serviceNetworkArn"] == "" {
		t.Fatalf("lattice event: %v", lat)
	}
}

func TestAnswers(t *testing.T) {
	cases := []struct {
		name       string
		tr         Trigger
		payload    string
		wantStatus int
		wantHeader http.Header
		wantBody   string
	}{
		{"v2 structured with cookies", HTTPAPI, `{"statusCode":201,"headers":{"x-a":"1"},"cookies":["s=1","t=2"],"body":"hi"}`,
			201, http.Header{"X-A": {"1"}, "Set-Cookie": {"s=1", "t=2"}}, "hi"},
		{"v2 inferred", HTTPAPI, `{"hello":"world"}`, 200, http.Header{"Content-Type": {"application/json"}}, `{"hello":"world"}`},
		{"v2 string payload", FunctionURL, `"plain"`, 200, http.Header{"Content-Type": {"application/json"}}, `"plain"`},
		{"v2 base64", FunctionURL, `{"statusCode":200,"body":"AAEC","isBase64Encoded":true}`, 200, http.Header{}, "\x00\x01\x02"},
		{"v1 merges headers", RESTAPI, `{"statusCode":200,"headers":{"x-one":"a","x-two":"b"},"multiValueHeaders":{"x-two":["c","d"]},"body":"ok"}`,
			200, http.Header{"X-One": {"a"}, "X-Two": {"c", "d"}}, "ok"},
		{"v1 without statusCode is malformed", RESTAPI, `{"body":"x"}`, 502, http.Header{"Content-Type": {"application/json"}}, `{"message": "Internal server error"}`},
		{"alb single", ALB, `{"statusCode":404,"statusDescription":"404 Not Found","headers":{"content-type":"text/plain"},"body":"no"}`,
			404, http.Header{"Content-Type": {"text/plain"}}, "no"},
		{"alb multi", ALBMultiValue, `{"statusCode":200,"multiValueHeaders":{"set-cookie":["a=1","b=2"]},"body":""}`,
			200, http.Header{"Set-Cookie": {"a=1", "b=2"}}, ""},
		{"alb malformed", ALB, `not json`, 502, http.Header{"Server": {"awselb/2.0"}}, "<html>\r\n<head><title>502 Bad Gateway</title></head>"},
		{"lattice", Lattice, `{"statusCode":200,"headers":{"x-l":"1"},"body":"eA==","isBase64Encoded":true}`, 200, http.Header{"X-L": {"1"}}, "x"},
		{"bad base64", HTTPAPI, `{"statusCode":200,"body":"%%%","isBase64Encoded":true}`, 502, http.Header{}, `{"message":"Internal Server Error"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := c.tr.Answer([]byte(c.payload))
			if a.Status != c.wantStatus || !strings.HasPrefix(string(a.Body), c.wantBody) {
				t.Fatalf("got %d %q, want %d %q", a.Status, a.Body, c.wantStatus, c.wantBody)
			}
			for k, vs := range c.wantHeader {
				if !slices.Equal(a.Header.Values(k), vs) {
					t.Fatalf("header %s = %q, want %q (all: %v)", k, a.Header.Values(k), vs, a.Header)
				}
			}
		})
	}
}

func TestFailureAnswers(t *testing.T) {
	cases := []struct {
		tr     Trigger
		f      Failure
		status int
		body   string
	}{
		{RESTAPI, FunctionFailed, 502, `{"message": "Internal server error"}`},
		{RESTAPI, RequestTooLarge, 500, `{"message": "Internal server error"}`},
		{HTTPAPI, FunctionFailed, 502, `{"message":"Internal Server Error"}`},
		{ALB, FunctionFailed, 502, "502 Bad Gateway"},
		{ALBMultiValue, RequestTooLarge, 413, "413 Request Entity Too Large"},
		{FunctionURL, RequestTooLarge, 413, "Request must be smaller"},
		{Lattice, ResponseTooLarge, 502, "Bad Gateway"},
	}
	for _, c := range cases {
		a := c.tr.Failure(c.f)
		if a.Status != c.status || !strings.Contains(string(a.Body), c.body) {
			t.Errorf("%s failure %d: got %d %q, want %d containing %q", c.tr, c.f, a.Status, a.Body, c.status, c.body)
		}
	}
}

func TestStreamHeadAndPrelude(t *testing.T) {
	a, err := StreamHead([]byte(`{"statusCode":206,"headers":{"content-type":"text/event-stream"},"cookies":["a=1"]}`))
	if err != nil || a.Status != 206 || a.Header.Get("Content-Type") != "text/event-stream" || a.Header.Get("Set-Cookie") != "a=1" {
		t.Fatalf("%+v %v", a, err)
	}
	if _, err := StreamHead([]byte(`{`)); err == nil {
		t.Fatal("a broken prelude was accepted")
	}
}

func TestParseTrigger(t *testing.T) {
	if tr, err := ParseTrigger("alb-multi-value"); err != nil || tr != ALBMultiValue {
		t.Fatal(tr, err)
	}
	if _, err := ParseTrigger("sqs"); err == nil || !strings.Contains(err.Error(), "http-api, rest-api") {
		t.Fatalf("unknown trigger error does not list the choices: %v", err)
	}
}
