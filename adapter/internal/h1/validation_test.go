package h1

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestValidateBeforeDialing(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(*http.Request, []byte) (string, bool) { return ok(strconv.Itoa(n)), false })
	})
	c := &Client{MaxIdle: 1}
	defer c.CloseIdle()
	build := func(mod func(r *http.Request)) *http.Request {
		r, _ := http.NewRequest("POST", s.url("/"), nil)
		mod(r)
		return r
	}
	cases := []struct {
		name string
		req  *http.Request
		want string
	}{
		{"header name with space", build(func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} }), "invalid header field name"},
		{"header name with colon", build(func(r *http.Request) { r.Header["X:Y"] = []string{"v"} }), "invalid header field name"},
		{"empty header name", build(func(r *http.Request) { r.Header[""] = []string{"v"} }), "invalid header field name"},
		{"header value with CRLF", build(func(r *http.Request) { r.Header.Set("X-Inject", "a\r\nEvil: 1") }), "invalid header field value"},
		{"header value with NUL", build(func(r *http.Request) { r.Header.Set("X-A", "a\x00") }), "invalid header field value"},
		{"header value with DEL", build(func(r *http.Request) { r.Header.Set("X-A", "a\x7f") }), "invalid header field value"},
		{"trailer name", build(func(r *http.Request) { r.Trailer = http.Header{"Bad Trailer": nil} }), "invalid header field name"},
		{"trailer value", build(func(r *http.Request) { r.Trailer = http.Header{"X-T": {"\n"}} }), "invalid header field value"},
		{"method", build(func(r *http.Request) { r.Method = "GET /x" }), "invalid method"},
		{"https", build(func(r *http.Request) { r.URL.Scheme = "https" }), "unsupported protocol scheme"},
		{"ftp", build(func(r *http.Request) { r.URL.Scheme = "ftp" }), "unsupported protocol scheme"},
		{"no scheme", build(func(r *http.Request) { r.URL.Scheme = "" }), "unsupported protocol scheme"},
		{"no host", build(func(r *http.Request) { r.URL.Host = "" }), "no host"},
		{"no URL", build(func(r *http.Request) { r.URL = nil }), "no URL"},
	}
	for _, tc := range cases {
		body := newCloseRecorder(strings.NewReader("data"))
		tc.req.Body = body
		tc.req.ContentLength = 4
		resp, err := c.Do(tc.req)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, %v; want an error with %q", tc.name, resp, err, tc.want)
		}
		if !body.isClosed() {
			t.Errorf("%s: request body not closed", tc.name)
		}
	}
	// Tab in a value is allowed.
	mustFetch(t, c, "GET", s.url("/"), nil, http.Header{"X-Tab": {"a\tb"}})
	// Connections are accepted in the order they were made: had any refused request dialed, the
	// valid one would not have come on connection 1.
	if conn := mustFetch(t, c, "GET", s.url("/"), nil, nil); conn != "1" {
		t.Errorf("the first valid request came on connection %s; refused requests dialed", conn)
	}
}
