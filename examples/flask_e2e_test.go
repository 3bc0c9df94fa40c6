//go:build e2e

package examples

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

func TestFlask(t *testing.T) {
	f := startFunction(t, "flask")
	logo, err := os.ReadFile("flask/static/logo.png")
	if err != nil {
		t.Fatal(err)
	}
	type note struct{ ID, Text string }
	for _, tr := range httpTriggers {
		t.Run(tr.name, func(t *testing.T) {
			var n note
			wantJSON(t, f.invoke(t, tr, testenv.HTTPEvent{Path: "/notes/1"}), 200, &n)
			if n.Text != "hello from Flask" {
				t.Errorf("GET /notes/1: %+v", n)
			}
			var nf map[string]string
			wantJSON(t, f.invoke(t, tr, testenv.HTTPEvent{Path: "/notes/999"}), 404, &nf)
			f.wantNotFound(t, tr, "/nowhere")

			text := "from " + tr.name
			r := f.invoke(t, tr, testenv.HTTPEvent{Method: "POST", Path: "/notes",
				Headers: map[string]string{"content-type": "application/json"}, Body: []byte(fmt.Sprintf(`{"text":%q}`, text))})
			wantJSON(t, r, 201, &n)
			if n.Text != text || !hasCookie(r.SetCookies(), "last_note", n.ID) || r.HeaderLine("location") != "/notes/"+n.ID {
				t.Errorf("POST /notes: %+v, cookies %q, location %q", n, r.SetCookies(), r.HeaderLine("location"))
			}

			var who struct{ User, Query string }
			r = f.invoke(t, tr, testenv.HTTPEvent{Path: "/whoami", Query: "greeting=hi%20there", Cookies: []string{"user=ana"}})
			wantJSON(t, r, 200, &who)
			if who.User != "ana" || who.Query != "hi there" || !hasCookie(r.SetCookies(), "seen", "yes") {
				t.Errorf("GET /whoami: %+v, cookies %q", who, r.SetCookies())
			}

			f.wantFile(t, tr, "/logo.png", "image/png", logo)
		})
	}
	// RIE starts the function at the first invocation; the adapter waited for the template's
	// AWS_LWA_READINESS_CHECK_PATH, as gunicorn's access log shows.
	if !f.rie.WaitLog(`"GET /healthz HTTP/1.1" 200`, 5*time.Second) {
		t.Errorf("no readiness request to /healthz in the logs:\n%s", f.rie.Logs())
	}
	// /var/task is read-only, as on Lambda: Python, running as root here, could not write its bytecode.
	if _, err := os.Stat(filepath.Join(f.task, "__pycache__")); !os.IsNotExist(err) {
		t.Errorf("__pycache__ written into /var/task (%v): it should be read-only", err)
	}
}

// TestPythonRequirementsMatchTested checks that each example's requirements.txt (what its image and
// zip install) pins the versions the tests ran: Debian's, for /usr/bin/python3. A pin that cannot be
// Debian's says so on its line ("# tests run X"), and the test checks that X is what runs.
func TestPythonRequirementsMatchTested(t *testing.T) {
	for _, name := range []string{"flask", "fastapi", "sqs-worker"} {
		b, err := os.ReadFile(name + "/requirements.txt")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			line, comment, _ := strings.Cut(line, "#")
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			pkg, want, ok := strings.Cut(line, "==")
			if tested, ok := strings.CutPrefix(strings.TrimSpace(comment), "tests run "); ok {
				want, _, _ = strings.Cut(tested, ":")
			}
			if !ok {
				t.Errorf("%s/requirements.txt: %q is not pinned with ==", name, line)
				continue
			}
			out, err := exec.Command("/usr/bin/python3", "-c", "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))", pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("%s is not installed for /usr/bin/python3 (run scripts/install-tools.sh): %v\n%s", pkg, err, out)
			}
			if got := strings.TrimSpace(string(out)); got != want {
				t.Errorf("%s/requirements.txt: %s expected at %s, the tests run %s", name, pkg, want, got)
			}
		}
	}
}
