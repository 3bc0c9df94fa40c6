package event

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// scanString decodes one JSON string with the scanner.
func scanString(doc []byte) (string, error) {
	s := scanner{data: doc}
	if s.ws() != '"' {
		return "", errWrongType
	}
	v, err := s.strValue()
	if err == nil {
		err = s.end()
	}
	return v, err
}

func TestScannerStrings(t *testing.T) {
	for _, doc := range []string{
		`""`, `"plain"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9\u20AC"`, `"\ud83d\ude00"`, `"\ud800"`, `"\ud800x"`,
		`"\udc00\ud800"`, `"\ud800\u0041"`, `"\ud800\ud800\udc00"`, `"héllo 🌍"`, `"12345678\"9"`,
		`"` + strings.Repeat("abcdefgh", 20) + `\n` + strings.Repeat("x", 13) + `"`,
	} {
		var want string
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		got, err := scanString([]byte(doc))
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", doc, got, err, want)
		}
	}
	for _, bad := range []string{`"`, `"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\x01\"", "\"\t\"", `"\`} {
		if _, err := scanString([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestScannerDocuments(t *testing.T) {
	for _, doc := range []string{
		`{}`, `{"a":[]}`, `{"a":[1,-2,3.5,1e10,-0.5E-3,true,false,null,"x",{"b":{}}]}`, ` { "a" : 1 } `,
		`{"a":0}`, `{"a":-0}`,
	} {
		s := scanner{data: []byte(doc)}
		if err := s.skip(); err != nil || s.end() != nil {
			t.Errorf("%s rejected: %v", doc, err)
		}
	}
	for _, doc := range []string{
		`{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":-}`,
		`{"a":tru}`, `{"a":nul}`, `{a:1}`, `{"a":1}x`, `{"a":1}}`, `[`, `{"a":"b"`, `{"a":+1}`,
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	} {
		s := scanner{data: []byte(doc)}
		err := s.skip()
		if err == nil {
			err = s.end()
		}
		if err == nil {
			t.Errorf("%s accepted", doc)
		}
		if json.Valid([]byte(doc)) {
			t.Errorf("%s: encoding/json accepts it, the test is wrong", doc)
		}
	}
	deep := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	s := scanner{data: []byte(deep)}
	if err := s.skip(); err != nil {
		t.Errorf("depth %d rejected: %v", maxDepth, err)
	}
}

// FuzzScanString checks the scanner decodes strings exactly as encoding/json does.
func FuzzScanString(f *testing.F) {
	for _, s := range []string{`"a"`, `"\ud83d\ude00"`, `"\u0000"`, `"\ud800"`, `"x\\"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var want string
		wantErr := json.Unmarshal(doc, &want)
		got, err := scanString(doc)
		if wantErr != nil {
			if err == nil && json.Valid(doc) == false {
				t.Fatalf("%q accepted, encoding/json: %v", doc, wantErr)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q rejected: %v", doc, err)
		}
		// encoding/json replaces invalid UTF-8 with U+FFFD; the scanner keeps the bytes.
		if utf8.Valid(doc) && got != want {
			t.Fatalf("%q: got %q, want %q", doc, got, want)
		}
	})
}
