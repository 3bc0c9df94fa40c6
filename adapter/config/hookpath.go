package config

import (
	"errors"
	"net/url"
	"path"
	"strings"

	"github.com/lwa-go/lwa/adapter/internal/httpsyntax"
)

// CanonicalPath is the form that every spelling of one route shares, for comparing a request path
// with a SnapStart hook path:
//
//   - percent-decoded repeatedly until nothing is left to decode, so an app or framework that decodes
//     twice cannot be reached through "%255F"; a '%' that starts no valid escape is kept as it is, as
//     lenient decoders do;
//   - backslashes read as slashes, as some servers do;
//   - "//", "." and ".." collapsed, no trailing slash, always a leading slash;
//   - lower-cased, since some frameworks route case-insensitively.
//
// It never fails: any string has a canonical form.
func CanonicalPath(p string) string { return normalize(decodeAll(p), false) }

// SameRoute reports whether a request for p (the path sent to the app, percent-encoded) may reach the
// route whose canonical form is canon. Besides CanonicalPath(p), it also compares p without its
// ";parameters": Java servlet containers (Tomcat, Jetty) route "/hook;x=1" to "/hook" — before or after
// decoding, depending on the container — and SnapStart is most used with Java.
func SameRoute(p, canon string) bool {
	if canon == "" {
		return false
	}
	dec := decodeAll(p)
	if normalize(dec, false) == canon {
		return true
	}
	if !strings.Contains(dec, ";") {
		return false // no parameters, before or after decoding: the other forms are the same
	}
	return normalize(dec, true) == canon || normalize(decodeAll(stripParams(p)), false) == canon
}

// decodeAll percent-decodes s until it no longer changes. It ends: every round that changes s
// shortens it by two bytes per escape.
func decodeAll(s string) string {
	for {
		d := decodeLenient(s)
		if d == s {
			return s
		}
		s = d
	}
}

// decodeLenient decodes every valid %XX escape and keeps any other '%' as it is.
func decodeLenient(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && unhex(s[i+1]) >= 0 && unhex(s[i+2]) >= 0 {
			b.WriteByte(byte(unhex(s[i+1])<<4 | unhex(s[i+2])))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// normalize turns a decoded path into its canonical form, optionally without ";parameters".
func normalize(dec string, withoutParams bool) string {
	dec = strings.ReplaceAll(dec, `\`, "/")
	if withoutParams {
		dec = stripParams(dec)
	}
	return strings.ToLower(path.Clean("/" + dec))
}

// stripParams removes the ";parameters" of every segment: "/a;x/b;y=1" → "/a/b".
func stripParams(s string) string {
	if !strings.Contains(s, ";") {
		return s
	}
	segs := strings.Split(s, "/")
	for i, seg := range segs {
		segs[i], _, _ = strings.Cut(seg, ";")
	}
	return strings.Join(segs, "/")
}

// parseHookPath validates a SnapStart hook path. The adapter must be able to guard the route it
// names, so it refuses paths that web frameworks route differently (a '%' left after decoding or a
// malformed escape, ';' parameters, backslashes, control bytes), a path that collapses to "/" (the
// guard would refuse every request for the root), and the pass-through path (every non-HTTP event
// would be refused).
func parseHookPath(name, v, passThrough string) (string, error) {
	const accepted = "a dedicated app path starting with /: not /, not the pass-through path, without double percent-encoding, ';', '\\' or control bytes"
	fail := func(msg string) error { return &Error{Var: name, Value: v, Accepted: accepted, Err: errors.New(msg)} }
	if _, err := parsePath(name, v); err != nil {
		return "", &Error{Var: name, Value: v, Accepted: accepted}
	}
	dec, err := url.PathUnescape(v)
	if err != nil {
		return "", fail("malformed percent-escape")
	}
	switch {
	case strings.Contains(dec, "%"):
		return "", fail("decoded path still contains %: frameworks disagree on how to route it")
	case strings.Contains(dec, ";"):
		return "", fail("path contains ';': servlet containers route it without its parameters")
	case strings.Contains(dec, `\`):
		return "", fail(`path contains '\': some servers read it as '/'`)
	case httpsyntax.HasControl(dec):
		return "", fail("decoded path contains a control byte")
	}
	canon := CanonicalPath(v)
	if canon == "/" {
		return "", fail("path collapses to /")
	}
	if SameRoute(passThrough, canon) {
		return "", fail("path is the pass-through path (AWS_LWA_PASS_THROUGH_PATH): every non-HTTP event would be refused")
	}
	return v, nil
}

// readHooks reads the SnapStart hook paths. Each is checked against the pass-through path, so they
// are read after it.
func readHooks(r *reader, c *Config) error {
	parse := r.rooted(func(name, v string) (string, error) { return parseHookPath(name, v, c.PassThroughPath) })
	if err := setVar(r, envBeforeCheckpoint, &c.BeforeCheckpointPath, parse); err != nil {
		return err
	}
	return setVar(r, envAfterRestore, &c.AfterRestorePath, parse)
}
