package event

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestEncodeTextOverride checks x-lambda-http-content-encoding: text for every trigger that has
// isBase64Encoded: it makes a valid UTF-8 body of any type text, never a body that is compressed or
// not UTF-8, and the header itself is sent on, as lambda_http does.
func TestEncodeTextOverride(t *testing.T) {
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><text>héllo</text></svg>`)
	tests := []struct {
		name     string
		header   http.Header
		body     []byte
		wantText bool
	}{
		{"untyped-looking type without the mark is base64", http.Header{"Content-Type": {"image/svg"}}, svg, false},
		{"mark makes a binary type text", http.Header{"Content-Type": {"image/svg"}, HeaderBodyEncoding: {"text"}}, svg, true},
		{"octet-stream with the mark", http.Header{"Content-Type": {"application/octet-stream"}, HeaderBodyEncoding: {"text"}}, []byte("abc"), true},
		{"value in any case", http.Header{"Content-Type": {"image/svg"}, HeaderBodyEncoding: {"TeXt"}}, svg, true},
		{"value with spaces", http.Header{"Content-Type": {"image/svg"}, HeaderBodyEncoding: {" text "}}, svg, true},
		{"name in lower case (map built by hand)", http.Header{"content-type": {"image/svg"}, "x-lambda-http-content-encoding": {"text"}}, svg, true},
		{"first value counts", http.Header{"Content-Type": {"image/svg"}, HeaderBodyEncoding: {"binary", "text"}}, svg, false},
		{"another value", http.Header{"Content-Type": {"image/svg"}, HeaderBodyEncoding: {"base64"}}, svg, false},
		{"empty value", http.Header{"Content-Type": {"image/svg"}, HeaderBodyEncoding: {""}}, svg, false},
		{"invalid UTF-8 stays base64", http.Header{"Content-Type": {"image/png"}, HeaderBodyEncoding: {"text"}}, []byte{0x89, 'P', 'N', 'G', 0xff}, false},
		{"Latin-1 text stays base64", http.Header{"Content-Type": {"text/plain; charset=iso-8859-1"}, HeaderBodyEncoding: {"text"}}, []byte{'c', 'a', 'f', 0xe9}, false},
		{"gzip stays base64", http.Header{"Content-Type": {"text/plain"}, "Content-Encoding": {"gzip"}, HeaderBodyEncoding: {"text"}}, []byte("valid utf-8"), false},
		{"br on a binary type stays base64", http.Header{"Content-Type": {"image/svg"}, "Content-Encoding": {"br"}, HeaderBodyEncoding: {"text"}}, svg, false},
		{"identity is no encoding", http.Header{"Content-Type": {"image/svg"}, "Content-Encoding": {"identity"}, HeaderBodyEncoding: {"text"}}, svg, true},
		{"untyped binary with the mark stays base64", http.Header{HeaderBodyEncoding: {"text"}}, []byte{0, 0xfe, 0xff}, false},
	}
	kinds := []*Event{
		{Kind: KindAPIGatewayV1},
		{Kind: KindAPIGatewayV2},
		{Kind: KindALB},
		{Kind: KindALB, MultiValue: true},
		{Kind: KindLattice},
	}
	for _, e := range kinds {
		for _, tc := range tests {
			t.Run(e.Kind.String()+"/"+tc.name, func(t *testing.T) {
				out, err := Encode(e, &Response{StatusCode: 200, Header: tc.header, Body: tc.body})
				if err != nil {
					t.Fatal(err)
				}
				var r struct {
					Headers           map[string]string   `json:"headers"`
					MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
					Body              string              `json:"body"`
					IsBase64Encoded   bool                `json:"isBase64Encoded"`
				}
				if err := json.Unmarshal(out, &r); err != nil {
					t.Fatalf("%v: %s", err, out)
				}
				if r.IsBase64Encoded == tc.wantText {
					t.Fatalf("isBase64Encoded %v, want %v: %s", r.IsBase64Encoded, !tc.wantText, out)
				}
				got := []byte(r.Body)
				if r.IsBase64Encoded {
					if got, err = base64.StdEncoding.DecodeString(r.Body); err != nil {
						t.Fatal(err)
					}
				}
				if !bytes.Equal(got, tc.body) {
					t.Errorf("body %q, want %q", got, tc.body)
				}
				// The mark reaches the client unchanged, as with lambda_http.
				wantMark := canonical(tc.header)[HeaderBodyEncoding]
				mark, ok := r.MultiValueHeaders["x-lambda-http-content-encoding"]
				if !ok {
					if v, ok := r.Headers["x-lambda-http-content-encoding"]; ok {
						mark = strings.Split(v, ",")
					}
				}
				if !slices.Equal(mark, wantMark) {
					t.Errorf("x-lambda-http-content-encoding sent as %q, want %q: %s", mark, wantMark, out)
				}
			})
		}
	}
}

// TestEncodeTextOverridePassThrough checks the mark changes nothing for a pass-through result, which
// has no isBase64Encoded: JSON as is, other text as a string, other bytes as base64.
func TestEncodeTextOverridePassThrough(t *testing.T) {
	e := &Event{Kind: KindPassThrough}
	for _, body := range [][]byte{[]byte(`{"batchItemFailures":[]}`), []byte("plain"), {0xff, 0xfe}, nil} {
		plain, err := Encode(e, &Response{StatusCode: 200, Header: http.Header{"Content-Type": {"image/png"}}, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		marked, err := Encode(e, &Response{StatusCode: 200, Header: http.Header{"Content-Type": {"image/png"}, HeaderBodyEncoding: {"text"}}, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(plain, marked) {
			t.Errorf("body %q: %s with the mark, %s without", body, marked, plain)
		}
	}
}

func TestWantsText(t *testing.T) {
	tests := []struct {
		h    http.Header
		want bool
	}{
		{nil, false},
		{http.Header{}, false},
		{http.Header{HeaderBodyEncoding: {}}, false},
		{http.Header{HeaderBodyEncoding: {"text"}}, true},
		{http.Header{HeaderBodyEncoding: {"TEXT"}}, true},
		{http.Header{HeaderBodyEncoding: {"\ttext "}}, true},
		{http.Header{HeaderBodyEncoding: {"texts"}}, false},
		{http.Header{HeaderBodyEncoding: {"text/plain"}}, false},
		{http.Header{"Content-Encoding": {"text"}}, false},
	}
	for _, tc := range tests {
		if got := wantsText(tc.h); got != tc.want {
			t.Errorf("wantsText(%v) = %v, want %v", tc.h, got, tc.want)
		}
	}
}
