package testenv

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"testing"
)

// HTTPBin is the command line that starts go-httpbin on 127.0.0.1:port, for use as an RIE bootstrap
// (an image's entrypoint) or from a zip function's handler script. Bodies up to 16 MiB are allowed.
func HTTPBin(t testing.TB, port int) []string {
	t.Helper()
	return []string{Tool(t, "go-httpbin"), "-host", "127.0.0.1", "-port", strconv.Itoa(port),
		"-max-body-size", strconv.Itoa(16 << 20), "-log-level", "WARN"}
}

// HTTPEvent describes an HTTP request for the event builders.
type HTTPEvent struct {
	Method   string
	Path     string // raw path as the client sent it
	Query    string // raw query string
	Headers  map[string]string
	Cookies  []string
	Body     []byte
	Base64   bool
	TenantID string
}

// V2 builds an API Gateway HTTP API (payload 2.0) event, the shape Function URLs send too.
func V2(e HTTPEvent) []byte {
	if e.Method == "" {
		e.Method = "GET"
	}
	body := string(e.Body)
	if e.Base64 {
		body = base64.StdEncoding.EncodeToString(e.Body)
	}
	headers := map[string]string{"host": "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "lwa-e2e"}
	for k, v := range e.Headers {
		headers[k] = v
	}
	ev := map[string]any{
		"version":         "2.0",
		"routeKey":        "$default",
		"rawPath":         e.Path,
		"rawQueryString":  e.Query,
		"headers":         headers,
		"isBase64Encoded": e.Base64,
		"requestContext": map[string]any{
			"accountId":    "123456789012",
			"apiId":        "abc123",
			"domainName":   "abc123.execute-api.us-east-1.amazonaws.com",
			"domainPrefix": "abc123",
			"http": map[string]any{
				"method": e.Method, "path": e.Path, "protocol": "HTTP/1.1",
				"sourceIp": "203.0.113.7", "userAgent": "lwa-e2e",
			},
			"requestId": "req-v2",
			"routeKey":  "$default",
			"stage":     "$default",
			"time":      "25/Nov/2026:01:00:00 +0000",
			"timeEpoch": 1795568400000,
		},
	}
	if len(e.Cookies) > 0 {
		ev["cookies"] = e.Cookies
	}
	if len(e.Body) > 0 || e.Base64 {
		ev["body"] = body
	}
	b, _ := json.Marshal(ev) // maps of strings, numbers and bools always marshal
	return b
}
