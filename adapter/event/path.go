package event

import "strings"

// Byte classes for percent-encoding, one table per context. A byte not in the table is encoded.
const (
	classUnreserved = 1 << iota // ALPHA DIGIT - . _ ~ : never encoded
	classPath                   // also kept in a path: sub-delims : @ /
	classQuery                  // also kept in a raw query: every printable ASCII byte but space and #
	classHost                   // a byte net/http accepts in a Host header
)

// byteClass is a constant-like table: bit set per byte value.
var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
			t[c] = classUnreserved | classPath | classQuery
		case strings.IndexByte("!$&'()*+,;=:@/", byte(c)) >= 0:
			t[c] = classPath | classQuery
		case c > ' ' && c < 0x7f && c != '#' && c != '%':
			t[c] = classQuery
		}
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if alnum || strings.IndexByte("!$%&'()*+,-.:;=[]_~", byte(c)) >= 0 {
			t[c] |= classHost
		}
	}
	return t
}()

const upperHex = "0123456789ABCDEF"

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// escape percent-encodes every byte of s outside class. When keepEscapes is set, an existing %XX
// sequence is left alone (a '%' not followed by two hex digits is encoded), so a string already
// encoded is not encoded twice. It returns s itself when nothing needs encoding.
func escape(s string, class uint8, keepEscapes bool) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if byteClass[c]&class != 0 {
			i++
			continue
		}
		if c == '%' && keepEscapes && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			i += 3
			continue
		}
		break
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case byteClass[c]&class != 0:
			b.WriteByte(c)
		case c == '%' && keepEscapes && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteString(s[i : i+3])
			i += 2
		default:
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		}
	}
	return b.String()
}

// encodePath makes an event path safe for a request line: non-ASCII, control and reserved bytes
// percent-encoded once, existing %XX sequences kept, a leading '/' guaranteed.
func encodePath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	return escape(p, classPath, true)
}

// normalizeQuery keeps a query string as the client encoded it, encoding only what cannot be on a
// request line or would change its meaning: control bytes, space, '#', non-ASCII, and a '%' that
// starts no %XX sequence. '+', '&', '=' and existing %XX are untouched.
func normalizeQuery(q string) string { return escape(q, classQuery, true) }

// escapeComponent encodes a decoded query key or value: everything but unreserved bytes, so '+',
// '&', '=', '%' and space (as %20) survive the app's decoding.
func escapeComponent(s string) string { return escape(s, classUnreserved, false) }

// stripBasePath removes base from the front of path when it ends on a segment boundary: "/api"
// strips "/api/x" to "/x" and "/api" to "/", but leaves "/apix". path is encoded; base is encoded the
// same way before comparing, so a configured "/Año" matches "/A%C3%B1o".
func stripBasePath(path, base string) string {
	if base == "" || base == "/" {
		return path
	}
	base = strings.TrimRight(encodePath(base), "/")
	if base == "" || !strings.HasPrefix(path, base) {
		return path
	}
	rest := path[len(base):]
	switch {
	case rest == "":
		return "/"
	case rest[0] == '/':
		return rest
	}
	return path
}
