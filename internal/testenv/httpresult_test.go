package testenv

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

func TestHTTPResultHeaders(t *testing.T) {
	var r HTTPResult
	if err := json.Unmarshal([]byte(`{"statusCode":200,
		"headers":{"Content-Type":"text/plain","x-one":"single","Set-Cookie":"ignored=1"},
		"multiValueHeaders":{"X-One":["a","b"],"set-cookie":["k1=v1; Path=/","k2=v2"]},
		"cookies":["c=3"]}`), &r); err != nil {
		t.Fatal(err)
	}
	if got := r.Header("content-type"); !slices.Equal(got, []string{"text/plain"}) {
		t.Errorf(`Header("content-type") = %q, want the single-value header in any case`, got)
	}
	if got := r.Header("x-one"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf(`Header("x-one") = %q, want the multi-value map's values first`, got)
	}
	if got := r.HeaderLine("X-ONE"); got != "a, b" {
		t.Errorf(`HeaderLine("X-ONE") = %q, want "a, b"`, got)
	}
	if got, line := r.Header("absent"), r.HeaderLine("absent"); got != nil || line != "" {
		t.Errorf("absent header: %q, %q; want nil and empty", got, line)
	}
	// The single-value Set-Cookie counts only when neither cookies nor multi-value headers set any.
	if got := r.SetCookies(); !slices.Equal(got, []string{"c=3", "k1=v1; Path=/", "k2=v2"}) {
		t.Errorf("SetCookies() = %q", got)
	}
	single := HTTPResult{Headers: map[string]string{"set-cookie": "s=1"}}
	if got := single.SetCookies(); !slices.Equal(got, []string{"s=1"}) {
		t.Errorf("SetCookies() from a single-value header = %q", got)
	}
}

// fatalRecorder stands in for a test to see whether BodyBytes fails it.
type fatalRecorder struct {
	testing.TB
	failed string
}

func (f *fatalRecorder) Helper()                        {}
func (f *fatalRecorder) Fatalf(format string, a ...any) { f.failed = fmt.Sprintf(format, a...) }

func TestHTTPResultBodyBytes(t *testing.T) {
	plain := HTTPResult{Body: "héllo"}
	if got := plain.BodyBytes(t); string(got) != "héllo" {
		t.Errorf("plain body %q", got)
	}
	bin := HTTPResult{Body: "AAH/", IsBase64Encoded: true}
	if got := bin.BodyBytes(t); !slices.Equal(got, []byte{0, 1, 0xff}) {
		t.Errorf("base64 body decoded to %v, want [0 1 255]", got)
	}
	rec := &fatalRecorder{}
	HTTPResult{Body: "%%%", IsBase64Encoded: true}.BodyBytes(rec)
	if rec.failed == "" {
		t.Error("a body marked base64 that is not base64 did not fail the test")
	}
}
