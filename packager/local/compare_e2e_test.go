//go:build e2e

package local_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/packager/local"
)

type reqCase struct {
	name, method, target string
	header               http.Header
	body                 []byte
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func compareCases() []reqCase {
	return []reqCase{
		{name: "get", method: "GET", target: "/get?a=1"},
		{name: "repeated query and headers", method: "GET", target: "/anything/r?a=1&a=2&b=x%20y",
			header: http.Header{"X-Multi": {"one", "two"}}},
		{name: "post json", method: "POST", target: "/anything/p", header: http.Header{"Content-Type": {"application/json"}},
			body: []byte(`{"name":"lwa","n":[1,2,3],"s":"<&>"}`)},
		{name: "binary up", method: "PUT", target: "/anything/bin", header: http.Header{"Content-Type": {"application/octet-stream"}}, body: allBytes()},
		{name: "binary down", method: "GET", target: "/bytes/4096?seed=42"},
		{name: "cookies in", method: "GET", target: "/cookies", header: http.Header{"Cookie": {"a=1; b=two"}}},
		{name: "cookies out", method: "GET", target: "/cookies/set?x=1&y=2"},
		{name: "unicode and encoded path", method: "GET", target: "/anything/caf%C3%A9/%E2%9C%93/a%20b?q=%C3%A9t%C3%A9"},
		{name: "status", method: "GET", target: "/status/418"},
	}
}

func send(t *testing.T, base string, c reqCase) answer {
	t.Helper()
	a, err := trySend(base, c)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// trySend is send for goroutines other than the test's (which may not call t.Fatal).
func trySend(base string, c reqCase) (answer, error) {
	req, err := http.NewRequest(c.method, base+c.target, bytes.NewReader(c.body))
	if err != nil {
		return answer{}, err
	}
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", c.method, base+c.target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: read: %w", c.method, base+c.target, err)
	}
	return answer{resp.StatusCode, resp.Header, b}, nil
}

// Requests through the front door and the same requests straight to go-httpbin give the same
// status, headers and body, for every trigger, bar what docs/local.md documents: the headers the
// trigger and the adapter add, the Host the client used, and how each trigger folds repeated
// headers and query values.
func TestE2ELocalMatchesHTTPBin(t *testing.T) {
	for _, tr := range local.Triggers() {
		t.Run(string(tr), func(t *testing.T) {
			port, app := twoPorts(t)
			r := startLocal(t, port, httpbinArgs(t, port, app, "--trigger", string(tr)), nil)
			direct := "http://127.0.0.1:" + itoa(app)
			for _, c := range compareCases() {
				t.Run(c.name, func(t *testing.T) {
					via, dir := send(t, r.url, c), send(t, direct, c)
					if via.status != dir.status {
						t.Fatalf("status %d through %s, %d direct\n%s", via.status, tr, dir.status, via.body)
					}
					compareHeaders(t, tr, via.header, dir.header)
					if cl := via.header.Get("Content-Length"); cl != itoa(len(via.body)) {
						t.Errorf("Content-Length %q through %s for a %d-byte body", cl, tr, len(via.body))
					}
					compareBodies(t, tr, c, via.body, dir.body, r.url, direct)
				})
			}
		})
	}
}

// compareHeaders: every header go-httpbin sent reaches the client, bar Date and Content-Length
// (the echo's length changes with the headers the trigger adds). Values are compared as sets:
// go-httpbin sets cookies in map order. ALB without multi-value headers and Lattice answer with
// one value per header, so the adapter joins repeated ones with commas and the client gets them so.
func compareHeaders(t *testing.T, tr local.Trigger, via, dir http.Header) {
	t.Helper()
	for k, want := range dir {
		if k == "Date" || k == "Content-Length" { // Content-Length: checked against the body
			continue
		}
		got := via.Values(k)
		if (tr == local.ALB || tr == local.Lattice) && len(want) > 1 && len(got) == 1 {
			got = strings.Split(got[0], ",")
		}
		got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			t.Errorf("header %s: %q through %s, %q direct", k, got, tr, want)
		}
	}
}

// ignoredEchoHeaders are the request headers the trigger or the adapter adds (docs/local.md).
func ignoredEchoHeader(k string) bool {
	return k == "Host" || strings.HasPrefix(k, "X-Amzn-") || strings.HasPrefix(k, "X-Forwarded-")
}

func compareBodies(t *testing.T, tr local.Trigger, c reqCase, via, dir []byte, viaBase, dirBase string) {
	t.Helper()
	var vm, dm map[string]any
	if json.Unmarshal(via, &vm) != nil || json.Unmarshal(dir, &dm) != nil {
		if !bytes.Equal(via, dir) {
			t.Fatalf("body through %s (%d bytes) differs from direct (%d bytes)", tr, len(via), len(dir))
		}
		return
	}
	for _, m := range []map[string]any{vm, dm} {
		if h, ok := m["headers"].(map[string]any); ok {
			for k := range h {
				if ignoredEchoHeader(k) {
					delete(h, k)
				}
			}
		}
		if u, ok := m["url"].(string); ok {
			u = strings.NewReplacer(viaBase, "", dirBase, "").Replace(u)
			if tr == local.ALB { // the query's repeated values are compared in args
				u, _, _ = strings.Cut(u, "?")
			}
			m["url"] = u
		}
	}
	expectTriggerFolding(tr, dm)
	if !reflect.DeepEqual(vm, dm) {
		v, _ := json.MarshalIndent(vm, "", " ")
		d, _ := json.MarshalIndent(dm, "", " ")
		t.Fatalf("echo through %s differs:\n%s\ndirect (as the trigger folds it):\n%s", tr, v, d)
	}
}

// expectTriggerFolding rewrites go-httpbin's direct echo into what the trigger makes of repeated
// values: payload 2.0 joins repeated headers with commas; ALB without multi-value headers keeps the
// last header and query value.
func expectTriggerFolding(tr local.Trigger, m map[string]any) {
	h, _ := m["headers"].(map[string]any)
	for k, v := range h {
		vals, _ := v.([]any)
		if len(vals) < 2 {
			continue
		}
		switch tr {
		case local.HTTPAPI, local.FunctionURL:
			var s []string
			for _, x := range vals {
				s = append(s, x.(string))
			}
			h[k] = []any{strings.Join(s, ",")}
		case local.ALB:
			h[k] = vals[len(vals)-1:]
		}
	}
	if tr != local.ALB {
		return
	}
	if args, ok := m["args"].(map[string]any); ok {
		for k, v := range args {
			if vals, _ := v.([]any); len(vals) > 1 {
				args[k] = vals[len(vals)-1:]
			}
		}
	}
}
