package event

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// requestFor decodes a payload and builds the app's request with the golden options.
func requestFor(t *testing.T, payload []byte) (*Event, string, string) {
	t.Helper()
	e, err := Decode(payload)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	req, err := e.Request(context.Background(), goldenOptions())
	if err != nil {
		t.Fatalf("Request: %v", err)
	}
	return e, req.Header.Get("Cookie"), req.URL.RequestURI()
}

// TestCookieHeaderFromFixtures asserts the exact Cookie header the app receives for the events that
// carry cookies both in the cookies array and in headers.cookie (issue 14: the app saw each twice).
func TestCookieHeaderFromFixtures(t *testing.T) {
	tests := []struct{ file, want string }{
		// AWS's sample Function URL event (aws-lambda-go lambdaurl/testdata): cookies ["foo=bar",
		// "hello=hello"] and headers.cookie "foo=bar; hello=hello".
		{"aws-lambdaurl-request-with-headers-and-cookies-and-text-body.json", "foo=bar; hello=hello"},
		// An HTTP API v2 event with the same three cookies in both forms.
		{"lwa-v2-cookies-both.json", "session=8f2a1c; theme=dark; lang=en-GB"},
		// Both forms disagree: the array, the complete list, wins.
		{"lwa-v2-scanner.json", "session=abc; theme=dark"},
		// Array only (the AWS HTTP API samples).
		{"aws-apigw-v2-request-iam.json", "cookie1; cookie2"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join("testdata", "events", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if _, got, _ := requestFor(t, payload); got != tc.want {
				t.Fatalf("Cookie: %q, want %q", got, tc.want)
			}
		})
	}
}

// TestFieldsSentTwice pins, for each field AWS can send in two forms, which one the app's request
// is built from (the choices and their sources are in doc.go).
func TestFieldsSentTwice(t *testing.T) {
	const v2 = `"version":"2.0","requestContext":{"http":{"method":"GET","path":"/ctx"}}`
	tests := []struct {
		name, payload       string
		wantCookie, wantURI string
	}{
		{"v2 cookies array and header", `{` + v2 + `,"rawPath":"/","cookies":["a=1","b=2"],"headers":{"cookie":"a=1; b=2"}}`, "a=1; b=2", "/"},
		{"v2 cookies array absent", `{` + v2 + `,"rawPath":"/","headers":{"cookie":"a=1; b=2"}}`, "a=1; b=2", "/"},
		{"v2 cookies array empty", `{` + v2 + `,"rawPath":"/","cookies":[],"headers":{"cookie":"a=1"}}`, "a=1", "/"},
		{"v2 cookies array of empty strings", `{` + v2 + `,"rawPath":"/","cookies":[""],"headers":{"cookie":"a=1"}}`, "a=1", "/"},
		{"v2 cookies array null", `{` + v2 + `,"rawPath":"/","cookies":null,"headers":{"cookie":"a=1"}}`, "a=1", "/"},
		{"v2 rawQueryString over queryStringParameters", `{` + v2 + `,"rawPath":"/","rawQueryString":"p=1&p=2","queryStringParameters":{"p":"1,2"}}`, "", "/?p=1&p=2"},
		{"v2 no rawQueryString: parameters ignored", `{` + v2 + `,"rawPath":"/","queryStringParameters":{"p":"1"}}`, "", "/"},
		{"v2 rawPath over requestContext.http.path", `{` + v2 + `,"rawPath":"/raw"}`, "", "/raw"},
		{"v2 no rawPath: requestContext.http.path", `{` + v2 + `}`, "", "/ctx"},
		{"v1 multiValueHeaders over headers", `{"httpMethod":"GET","path":"/","requestContext":{"httpMethod":"GET"},"headers":{"Cookie":"b=2"},"multiValueHeaders":{"Cookie":["a=1","b=2"]}}`, "a=1; b=2", "/"},
		{"v1 headers when multiValueHeaders lacks the name", `{"httpMethod":"GET","path":"/","requestContext":{"httpMethod":"GET"},"headers":{"Cookie":"a=1"},"multiValueHeaders":{"Accept":["*/*"]}}`, "a=1", "/"},
		{"v1 multiValueQueryStringParameters over queryStringParameters", `{"httpMethod":"GET","path":"/","requestContext":{"httpMethod":"GET"},"queryStringParameters":{"p":"2"},"multiValueQueryStringParameters":{"p":["1","2"]}}`, "", "/?p=1&p=2"},
		{"alb multi-value", `{"httpMethod":"GET","path":"/","requestContext":{"elb":{}},"multiValueHeaders":{"cookie":["a=1; b=2"]},"multiValueQueryStringParameters":{"p":["1","2"]}}`, "a=1; b=2", "/?p=1&p=2"},
		{"alb single-value", `{"httpMethod":"GET","path":"/","requestContext":{"elb":{}},"headers":{"cookie":"a=1; b=2"},"queryStringParameters":{"p":"2"}}`, "a=1; b=2", "/?p=2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, cookie, uri := requestFor(t, []byte(tc.payload))
			if cookie != tc.wantCookie || uri != tc.wantURI {
				t.Fatalf("Cookie %q, URI %q; want %q, %q", cookie, uri, tc.wantCookie, tc.wantURI)
			}
		})
	}
}
