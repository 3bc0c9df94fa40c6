// Package httpsyntax holds the byte rules of HTTP/1.1 syntax (RFC 9110) that the adapter checks
// before a name or value reaches net/http or the wire: header field names (tokens) and the
// control bytes a field value or request line cannot carry. The same rules as net/http's
// (golang.org/x/net/http/httpguts ValidHeaderFieldName and ValidHeaderFieldValue), in one place for
// h1 (which must refuse what net/http's Transport refuses), event (which drops or cleans what the
// app could not be sent) and config (which refuses a setting no request could use).
package httpsyntax

// tchars are the bytes of a token besides ALPHA and DIGIT (RFC 9110 section 5.6.2).
const tchars = "!#$%&'*+-.^_`|~"

// tokenByte is a constant-like table of the bytes IsTokenByte accepts: one load per byte in the
// hot paths (every header name of every event).
var tokenByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	for i := range len(tchars) {
		t[tchars[i]] = true
	}
	return t
}()

// IsTokenByte reports whether c is a tchar.
func IsTokenByte(c byte) bool { return tokenByte[c] }

// IsToken reports an RFC 9110 token, one or more tchar: a valid header field name or method.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte[s[i]] {
			return false
		}
	}
	return true
}

// IsFieldControl reports a byte a field value cannot carry: a control (CTL) other than horizontal
// tab, that is 0x00-0x08, 0x0a-0x1f and DEL (RFC 9110 section 5.5; obs-text, 0x80-0xff, is allowed).
func IsFieldControl(c byte) bool { return c < ' ' && c != '\t' || c == 0x7f }

// ValidFieldValue reports a field value net/http sends: no IsFieldControl byte.
func ValidFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if IsFieldControl(s[i]) {
			return false
		}
	}
	return true
}

// HasControl reports any control byte, tab included: what a request line (a query, a path) cannot
// carry unencoded.
func HasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}
