//go:build e2e

package examples

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

type item struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

// requireNodeModules fails the test with the install command when npm ci has not run for an example.
func requireNodeModules(t *testing.T, name string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(name, "node_modules", ".package-lock.json")); err != nil {
		t.Fatalf("%s/node_modules is missing: run scripts/install-tools.sh (it runs npm ci for the examples)", name)
	}
}

func TestExpress(t *testing.T) {
	requireNodeModules(t, "express")
	f := startFunction(t, "express")
	logo, err := os.ReadFile("express/public/logo.png")
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range httpTriggers {
		t.Run(tr.name, func(t *testing.T) {
			var it item
			wantJSON(t, f.invoke(t, tr, testenv.HTTPEvent{Path: "/items/1"}), 200, &it)
			if it.Name != "coffee" {
				t.Errorf("GET /items/1: %+v", it)
			}

			f.wantNotFound(t, tr, "/no/such/route")

			body := fmt.Sprintf(`{"name":"cake %s","price":4.25}`, tr.name)
			r := f.invoke(t, tr, testenv.HTTPEvent{Method: "POST", Path: "/items",
				Headers: map[string]string{"content-type": "application/json"}, Body: []byte(body)})
			wantJSON(t, r, 201, &it)
			if it.Name != "cake "+tr.name || r.HeaderLine("location") != "/items/"+it.ID {
				t.Errorf("POST /items: %+v, location %q", it, r.HeaderLine("location"))
			}
			if !hasCookie(r.SetCookies(), "last_item", it.ID) {
				t.Errorf("POST /items: cookies %q, want last_item=%s", r.SetCookies(), it.ID)
			}

			var sess struct {
				Visits int    `json:"visits"`
				Theme  string `json:"theme"`
			}
			r = f.invoke(t, tr, testenv.HTTPEvent{Path: "/session", Cookies: []string{"visits=41", "theme=dark"}})
			wantJSON(t, r, 200, &sess)
			if sess.Visits != 42 || sess.Theme != "dark" {
				t.Errorf("GET /session with cookies: %+v", sess)
			}
			if set := r.SetCookies(); len(set) != 2 || !hasCookie(set, "visits", "42") || !strings.HasPrefix(set[1], "theme=dark;") {
				t.Errorf("GET /session: set cookies %q", set)
			}

			if r = f.wantFile(t, tr, "/logo.png", "image/png", logo); !r.IsBase64Encoded {
				t.Errorf("GET /logo.png: a binary body not base64-encoded")
			}
		})
	}
}

// TestExpressKeepAliveAcrossPause sends POSTs with pauses around Node's 5 s keep-alive timeout, after
// which Node closes the adapter's idle connection: every POST must be answered, and the app must have
// handled each exactly once (a resent POST would show as 2). With the default pool the adapter drops
// its idle connection after 4 s itself; with a 10 s pool idle timeout it still holds the connection
// Node has closed (or, at 4.9 s, is about to close) when the next invocation comes.
func TestExpressKeepAliveAcrossPause(t *testing.T) {
	requireNodeModules(t, "express")
	cases := []struct {
		name   string
		env    []string
		pauses []time.Duration
	}{
		{"default pool", nil, []time.Duration{5100 * time.Millisecond}},
		{"pool idle 10s", []string{"AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS=10"},
			[]time.Duration{5100 * time.Millisecond, 4900 * time.Millisecond, 5100 * time.Millisecond}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := startFunction(t, "express", withEnv(tc.env...))
			refs := []string{"first"}
			f.postItem(t, refs[0])
			for i, pause := range tc.pauses {
				time.Sleep(pause)
				ref := fmt.Sprintf("after-pause-%d-%v", i+1, pause)
				f.postItem(t, ref)
				f.postItem(t, ref+"-next")
				refs = append(refs, ref, ref+"-next")
			}
			var handled map[string]int
			wantJSON(t, f.invoke(t, httpTriggers[0], testenv.HTTPEvent{Path: "/handled"}), 200, &handled)
			for _, ref := range refs {
				if handled[ref] != 1 {
					t.Errorf("the app handled POST %s %d times, want exactly once (all: %v)", ref, handled[ref], handled)
				}
			}
			if len(handled) != len(refs) {
				t.Errorf("the app saw %v, want exactly %v", handled, refs)
			}
		})
	}
}

// postItem creates an item whose name and ref are ref, through an HTTP API v2 event.
func (f *function) postItem(t *testing.T, ref string) {
	t.Helper()
	var it item
	wantJSON(t, f.invoke(t, httpTriggers[0], testenv.HTTPEvent{Method: "POST", Path: "/items",
		Headers: map[string]string{"content-type": "application/json"},
		Body:    []byte(fmt.Sprintf(`{"name":"%s","price":1,"ref":"%s"}`, ref, ref))}), 201, &it)
	if it.Name != ref {
		t.Errorf("POST %s answered %+v", ref, it)
	}
}
