package testenv

import (
	"encoding/base64"
	"strings"
	"testing"
)

// HTTPResult is a function's buffered answer to an HTTP trigger, decoded: the union of the response
// shapes of API Gateway (REST v1, HTTP API v2), function URLs, ALB and VPC Lattice, with the error
// fields of a failed invocation.
type HTTPResult struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription string              `json:"statusDescription"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
	ErrorType         string              `json:"errorType"`
	ErrorMessage      string              `json:"errorMessage"`
}

// Header returns the values of the header name (any case): the multi-value map's when it has the
// header, else the single-value map's; nil when neither has it.
func (r HTTPResult) Header(name string) []string {
	for k, v := range r.MultiValueHeaders {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return []string{v}
		}
	}
	return nil
}

// HeaderLine returns the values of the header name joined with ", ", as one header line carries
// them; "" when the answer has no such header.
func (r HTTPResult) HeaderLine(name string) string {
	return strings.Join(r.Header(name), ", ")
}

// SetCookies is every cookie the app set: the cookies field (HTTP API v2, function URLs) and the
// multi-value Set-Cookie headers, or, when there are neither, the single-value Set-Cookie header.
func (r HTTPResult) SetCookies() []string {
	out := append([]string(nil), r.Cookies...)
	for k, v := range r.MultiValueHeaders {
		if strings.EqualFold(k, "set-cookie") {
			out = append(out, v...)
		}
	}
	if len(out) == 0 {
		for k, v := range r.Headers {
			if strings.EqualFold(k, "set-cookie") {
				out = append(out, v)
			}
		}
	}
	return out
}

// BodyBytes is the body as the app sent it, base64-decoded when the answer says it is encoded; a body
// that is not valid base64 fails the test.
func (r HTTPResult) BodyBytes(t testing.TB) []byte {
	t.Helper()
	if !r.IsBase64Encoded {
		return []byte(r.Body)
	}
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		t.Fatalf("base64 body: %v", err)
	}
	return b
}
