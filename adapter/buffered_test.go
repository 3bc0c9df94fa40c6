package adapter

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestReadBody(t *testing.T) {
	body := strings.Repeat("0123456789", 100) // 1,000 bytes
	for _, tc := range []struct {
		name     string
		declared int64
		limit    int64
		want     int
	}{
		{"declared exactly", 1000, 5000, 1000},
		{"undeclared", -1, 5000, 1000},
		{"declared short", 10, 5000, 1000},
		{"declared long", 4000, 5000, 1000},
		{"over the limit, declared", 1000, 501, 501},
		{"over the limit, undeclared", -1, 501, 501},
		{"declared zero", 0, 5000, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{Body: io.NopCloser(strings.NewReader(body)), ContentLength: tc.declared}
			got, err := readBody(resp, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want || !bytes.Equal(got, []byte(body[:tc.want])) {
				t.Fatalf("read %d bytes, want the first %d", len(got), tc.want)
			}
		})
	}
	// HEAD answers declare a length with no body.
	got, err := readBody(&http.Response{Body: http.NoBody, ContentLength: 1 << 20}, 5000)
	if err != nil || len(got) != 0 {
		t.Fatalf("NoBody: %d bytes, %v", len(got), err)
	}
	// A read error is returned with what was read before it.
	resp := &http.Response{Body: io.NopCloser(io.MultiReader(strings.NewReader("abc"), errReader{})), ContentLength: 10}
	if got, err := readBody(resp, 5000); err != io.ErrUnexpectedEOF || string(got) != "abc" {
		t.Fatalf("got %q, %v; want \"abc\", unexpected EOF", got, err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }
