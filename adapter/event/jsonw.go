package event

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Small JSON writers: the response and context documents are built by appending, without
// reflection, because they are written on every invocation.

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as encoding/json does;
// unlike encoding/json, <, > and & are not escaped (nothing here is embedded in HTML).
func appendString[T ~string | ~[]byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		for i < len(s) && plainASCII[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', upperHex[c>>4], upperHex[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but end lines in JavaScript; escape them like
		// encoding/json so the document is safe for any consumer.
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', upperHex[r&15])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plainASCII marks the bytes a JSON string holds as they are: printable ASCII but '"' and '\\'.
// A constant-like table.
var plainASCII = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendKey appends "key": .
func appendKey(dst []byte, key string) []byte {
	dst = appendString(dst, key)
	return append(dst, ':')
}

// appendHeaderKey appends a response header name as an object key, lower-cased: the form AWS's Rust
// adapter sends (its header map stores names in lower case) and AWS's documentation shows, so
// clients that look up "content-type" in the JSON keep working.
func appendHeaderKey(dst []byte, name string) []byte {
	start := len(dst)
	dst = append(dst, '"')
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c <= ' ' || c == '"' || c == '\\' || c >= 0x7f:
			// Not a token (a header map built by hand): take the escaping path.
			return appendKey(dst[:start], strings.ToLower(name))
		}
		dst = append(dst, c)
	}
	return append(dst, '"', ':')
}

// appendInt appends a decimal integer.
func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

// appendStringOrNull appends s as a JSON string, or null when it is empty.
func appendStringOrNull(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return appendString(dst, s)
}
