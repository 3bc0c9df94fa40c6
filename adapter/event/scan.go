package event

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON scanner for the one document read per invocation. encoding/json validates the whole
// payload, then decodes it in a second pass through reflection: about 7 ms for a 1 MB body. This
// scanner validates while it decodes, finds the end of a long string (the body) eight bytes at a
// time, and lets the base64 body be decoded straight from the payload: about 1 ms.

// maxDepth bounds nesting, as encoding/json does, so a hostile payload cannot exhaust the stack.
const maxDepth = 10000

// errWrongType marks a well-formed value of a type the field does not take: the payload is valid
// JSON but not an HTTP event of ours.
var errWrongType = errors.New("value of unexpected type")

type scanner struct {
	data  []byte
	pos   int
	depth int
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", s.pos, fmt.Sprintf(format, args...))
}

// ws skips insignificant whitespace and returns the next byte (0 at the end).
func (s *scanner) ws() byte {
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; c {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return c
		}
	}
	return 0
}

// expect consumes c after optional whitespace.
func (s *scanner) expect(c byte) error {
	if s.ws() != c {
		return s.errorf("want %q", c)
	}
	s.pos++
	return nil
}

// SWAR constants: one byte value repeated in every byte of a word.
const (
	lo8    = 0x0101010101010101
	hi8    = 0x8080808080808080
	quote8 = '"' * lo8
	bslsh8 = '\\' * lo8
	space8 = ' ' * lo8
)

// special reports whether any byte of w is '"', '\\' or a control byte (< 0x20).
func special(w uint64) bool {
	q, b := w^quote8, w^bslsh8
	return ((q-lo8)&^q|(b-lo8)&^b|(w-space8)&^w)&hi8 != 0
}

// str scans a string at s.pos (which must be '"') and returns its raw content, without quotes, and
// whether it has escape sequences. Escapes are checked, not decoded.
func (s *scanner) str() (raw []byte, escaped bool, err error) {
	s.pos++ // opening quote
	start := s.pos
	d := s.data
	for {
		for s.pos+8 <= len(d) && !special(binary.LittleEndian.Uint64(d[s.pos:])) {
			s.pos += 8
		}
		if s.pos >= len(d) {
			return nil, false, s.errorf("unterminated string")
		}
		switch c := d[s.pos]; {
		case c == '"':
			raw = d[start:s.pos]
			s.pos++
			return raw, escaped, nil
		case c == '\\':
			escaped = true
			if s.pos+1 >= len(d) {
				return nil, false, s.errorf("unterminated string")
			}
			switch d[s.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos += 2
			case 'u':
				if s.pos+6 > len(d) || !isHex(d[s.pos+2]) || !isHex(d[s.pos+3]) || !isHex(d[s.pos+4]) || !isHex(d[s.pos+5]) {
					return nil, false, s.errorf("invalid \\u escape")
				}
				s.pos += 6
			default:
				return nil, false, s.errorf("invalid escape")
			}
		case c < ' ':
			return nil, false, s.errorf("control byte in string")
		default:
			s.pos++
		}
	}
}

// strValue scans a string and returns it decoded.
func (s *scanner) strValue() (string, error) {
	raw, escaped, err := s.str()
	if err != nil {
		return "", err
	}
	if !escaped {
		return string(raw), nil
	}
	return string(unescape(raw)), nil
}

// unescape decodes the escapes of a string already checked by str. Invalid surrogates become
// U+FFFD, as in encoding/json.
func unescape(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		if raw[i] != '\\' {
			n := bytes.IndexByte(raw[i:], '\\')
			if n < 0 {
				n = len(raw) - i
			}
			out = append(out, raw[i:i+n]...)
			i += n
			continue
		}
		e := raw[i+1]
		i += 2
		switch e {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := rune(hex4(raw[i:]))
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 = utf16.DecodeRune(r, rune(hex4(raw[i+2:])))
				}
				if r2 != utf8.RuneError {
					i += 6
				}
				r = r2
			}
			out = utf8.AppendRune(out, r)
		default: // " \ /
			out = append(out, e)
		}
	}
	return out
}

func hex4(b []byte) int {
	n := 0
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		n = n<<4 | int(c)
	}
	return n
}

// skip scans and validates one value of any type.
func (s *scanner) skip() error {
	switch c := s.ws(); {
	case c == '"':
		_, _, err := s.str()
		return err
	case c == '{':
		return s.object(func([]byte) error { return s.skip() })
	case c == '[':
		return s.array(s.skip)
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return s.errorf("want a value")
}

func (s *scanner) literal(lit string) error {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return s.errorf("invalid literal")
	}
	s.pos += len(lit)
	return nil
}

// number scans -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func (s *scanner) number() error {
	d := s.data
	if s.pos < len(d) && d[s.pos] == '-' {
		s.pos++
	}
	digits := func() int {
		n := 0
		for s.pos < len(d) && d[s.pos] >= '0' && d[s.pos] <= '9' {
			s.pos++
			n++
		}
		return n
	}
	switch {
	case s.pos < len(d) && d[s.pos] == '0':
		s.pos++
	case digits() == 0:
		return s.errorf("invalid number")
	}
	if s.pos < len(d) && d[s.pos] == '.' {
		s.pos++
		if digits() == 0 {
			return s.errorf("invalid number")
		}
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		if digits() == 0 {
			return s.errorf("invalid number")
		}
	}
	return nil
}

// object scans an object at the next '{', calling member with each key (valid during the call
// only); member must consume the value.
func (s *scanner) object(member func(key []byte) error) error {
	return s.seq('{', '}', func() error {
		if s.ws() != '"' {
			return s.errorf("want a key")
		}
		raw, escaped, err := s.str()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if escaped {
			raw = unescape(raw)
		}
		return member(raw)
	})
}

// array scans an array at the next '[', calling elem for each element; elem must consume it.
func (s *scanner) array(elem func() error) error { return s.seq('[', ']', elem) }

// seq scans the comma-separated elements between open and close, calling each for every element
// (each must consume it).
func (s *scanner) seq(open, close byte, each func() error) error {
	if err := s.enter(open); err != nil {
		return err
	}
	if s.ws() == close {
		s.pos++
		s.depth--
		return nil
	}
	for {
		if err := each(); err != nil {
			return err
		}
		switch s.ws() {
		case ',':
			s.pos++
		case close:
			s.pos++
			s.depth--
			return nil
		default:
			return s.errorf("want ',' or '%c'", close)
		}
	}
}

func (s *scanner) enter(open byte) error {
	if err := s.expect(open); err != nil {
		return err
	}
	if s.depth++; s.depth > maxDepth {
		return s.errorf("nested too deeply")
	}
	return nil
}

// end checks that only whitespace follows the document.
func (s *scanner) end() error {
	if s.ws() != 0 || s.pos != len(s.data) {
		return s.errorf("data after the document")
	}
	return nil
}

// wrongType reports a value of the wrong type for a field. Scanning stops there: the caller checks
// the whole payload with encoding/json and passes it through when valid.
func (s *scanner) wrongType() error { return errWrongType }

// stringOrNull reads a string into *dst; null leaves it alone.
func (s *scanner) stringOrNull(dst *string) error {
	switch s.ws() {
	case '"':
		v, err := s.strValue()
		*dst = v
		return err
	case 'n':
		return s.literal("null")
	}
	return s.wrongType()
}

// boolOrNull reads true or false into *dst; null leaves it alone.
func (s *scanner) boolOrNull(dst *bool) error {
	switch s.ws() {
	case 't':
		*dst = true
		return s.literal("true")
	case 'f':
		*dst = false
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	return s.wrongType()
}

// strings reads a string, an array of strings (null elements skipped) or null, calling add for
// each string.
func (s *scanner) strings(add func(string)) error {
	if s.ws() == '[' {
		return s.array(func() error { return s.stringOrNullTo(add) })
	}
	return s.stringOrNullTo(add)
}

// stringOrNullTo reads a string, calling add with it, or null.
func (s *scanner) stringOrNullTo(add func(string)) error {
	if s.ws() == 'n' {
		return s.literal("null")
	}
	var v string
	if err := s.stringOrNull(&v); err != nil {
		return err
	}
	add(v)
	return nil
}
