//go:build e2e

package examples

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// dockerfile is what the tests need from a Dockerfile's final stage.
type dockerfile struct {
	workdir         string
	env             []string // KEY=value, in order, later values replacing earlier ones
	entrypoint, cmd []string
	adapterCopy     *copyLine  // COPY --from=<the adapter's image>
	contextCopies   []copyLine // COPY from the build context
	otherCopies     []copyLine // COPY --from=<a build stage or another image>
}

type copyLine struct {
	line, from string
	srcs       []string
	dest       string
}

// fromStage reports whether p was copied from another stage or image (so it is not in the context).
func (d dockerfile) fromStage(p string) bool {
	for _, c := range d.otherCopies {
		if c.dest == p || strings.HasPrefix(p, strings.TrimSuffix(c.dest, "/")+"/") {
			return true
		}
	}
	return false
}

// parseDockerfile reads examples/NAME/Dockerfile: comments dropped, continuation lines joined, the
// instructions of the final stage kept. ENTRYPOINT and CMD must be in exec (JSON) form, so that the
// app, not a shell, gets Lambda's SIGTERM.
func parseDockerfile(t *testing.T, name string) dockerfile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(name, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var d dockerfile
	for _, line := range logicalLines(string(b)) {
		keyword, args, _ := strings.Cut(line, " ")
		args = strings.TrimSpace(args)
		switch strings.ToUpper(keyword) {
		case "FROM":
			d = dockerfile{workdir: "/"}
		case "WORKDIR":
			if path.IsAbs(args) {
				d.workdir = path.Clean(args)
			} else {
				d.workdir = path.Join(d.workdir, args)
			}
		case "ENV":
			d.env = setEnv(t, name, d.env, args)
		case "ENTRYPOINT", "CMD":
			var v []string
			if err := json.Unmarshal([]byte(args), &v); err != nil {
				t.Errorf("%s/Dockerfile: %s is not in exec form (a JSON array): %q", name, keyword, line)
			}
			if strings.ToUpper(keyword) == "CMD" {
				d.cmd = v
			} else {
				d.entrypoint = v
			}
		case "COPY":
			c := parseCopy(t, name, line, args)
			switch {
			case c.from == "":
				d.contextCopies = append(d.contextCopies, c)
			case strings.HasPrefix(c.from, adapterImage) || c.dest == "/opt/extensions/lambda-adapter":
				d.adapterCopy = &c
			default:
				d.otherCopies = append(d.otherCopies, c)
			}
		}
	}
	return d
}

// logicalLines joins lines ending in a backslash and drops comments and blank lines.
func logicalLines(s string) []string {
	var out []string
	var cur strings.Builder
	for _, raw := range strings.Split(s, "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(line)
		if l := strings.TrimSpace(cur.String()); l != "" {
			out = append(out, l)
		}
		cur.Reset()
	}
	return out
}

// setEnv applies `ENV K=V [K2=V2...]` (or the legacy `ENV K V`).
func setEnv(t *testing.T, name string, env []string, args string) []string {
	t.Helper()
	pairs := strings.Fields(args)
	if len(pairs) >= 2 && !strings.Contains(pairs[0], "=") {
		pairs = []string{pairs[0] + "=" + strings.Join(pairs[1:], " ")}
	}
	for _, kv := range pairs {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || strings.ContainsAny(kv, `"'$`) {
			t.Errorf("%s/Dockerfile: ENV %q: the test reads plain KEY=value pairs only", name, args)
			continue
		}
		kept := env[:0]
		for _, e := range env {
			if !strings.HasPrefix(e, k+"=") {
				kept = append(kept, e)
			}
		}
		env = append(kept, kv)
	}
	return env
}

func parseCopy(t *testing.T, name, line, args string) copyLine {
	t.Helper()
	c := copyLine{line: line}
	var rest []string
	for _, f := range strings.Fields(args) {
		if v, ok := strings.CutPrefix(f, "--from="); ok {
			c.from = v
		} else if !strings.HasPrefix(f, "--") {
			rest = append(rest, f)
		}
	}
	if len(rest) < 2 {
		t.Fatalf("%s/Dockerfile: %q: want COPY SRC... DEST", name, line)
	}
	c.srcs, c.dest = rest[:len(rest)-1], rest[len(rest)-1]
	return c
}
