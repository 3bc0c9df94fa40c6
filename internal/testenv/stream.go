package testenv

import (
	"bytes"
	"encoding/json"
	"testing"
)

// PreludeEnd is the 8 NUL bytes that end the JSON prelude of a streamed HTTP answer.
var PreludeEnd = []byte("\x00\x00\x00\x00\x00\x00\x00\x00")

// SplitStream cuts a streamed HTTP answer at PreludeEnd, decodes the prelude into prelude (a
// pointer: each test keeps the shape it checks) and returns the body. No prelude, or one that is
// not JSON, fails the test.
func SplitStream(t testing.TB, b []byte, prelude any) []byte {
	t.Helper()
	js, body, ok := bytes.Cut(b, PreludeEnd)
	if !ok {
		t.Fatalf("no prelude in %q", Truncate(b))
	}
	if err := json.Unmarshal(js, prelude); err != nil {
		t.Fatalf("prelude %q: %v", js, err)
	}
	return body
}

// Truncate keeps a failure message readable when the answer is large: its first 300 bytes.
func Truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
