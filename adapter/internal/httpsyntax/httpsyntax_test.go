package httpsyntax

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
)

// rfc9110Token is tchar as RFC 9110 section 5.6.2 lists it, written out independently of tchars.
const rfc9110Token = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func TestTokenBytesAreRFC9110(t *testing.T) {
	for c := range 256 {
		want := strings.IndexByte(rfc9110Token, byte(c)) >= 0
		if got := IsTokenByte(byte(c)); got != want {
			t.Errorf("IsTokenByte(%#x) = %v, want %v", c, got, want)
		}
	}
}

func TestIsToken(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false}, {"Content-Type", true}, {"X-Api-Key", true}, {"!#$%&'*+-.^_`|~", true},
		{"GET", true}, {"bad header", false}, {"a:b", false}, {"a\tb", false}, {"é", false},
		{"(x)", false}, {"a/b", false}, {"a\x7f", false}, {`"q"`, false}, {"a,b", false},
	}
	for _, tc := range tests {
		if got := IsToken(tc.in); got != tc.want {
			t.Errorf("IsToken(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestFieldValue(t *testing.T) {
	tests := []struct {
		in         string
		valid, ctl bool // ValidFieldValue, HasControl
	}{
		{"", true, false}, {"text/html; q=0.9", true, false}, {"a\tb", true, true}, {"a\x00b", false, true},
		{"a\r\nb", false, true}, {"a\x7f", false, true}, {"caf\xe9", true, false}, {"ü€", true, false},
		{"\x1f", false, true},
	}
	for _, tc := range tests {
		if got := ValidFieldValue(tc.in); got != tc.valid {
			t.Errorf("ValidFieldValue(%q) = %v, want %v", tc.in, got, tc.valid)
		}
		if got := HasControl(tc.in); got != tc.ctl {
			t.Errorf("HasControl(%q) = %v, want %v", tc.in, got, tc.ctl)
		}
	}
}

// errNoDial stops net/http's Transport after its checks, before any connection.
var errNoDial = errors.New("no dial")

// netHTTPAccepts asks net/http's Transport itself whether it sends a header: its RoundTrip checks
// names and values (with httpguts.ValidHeaderFieldName/Value) before it dials.
func netHTTPAccepts(t *testing.T, name, value string) bool {
	t.Helper()
	tr := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) { return nil, errNoDial }}
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:9/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = http.Header{name: {value}}
	_, err = tr.RoundTrip(req)
	if err == nil {
		t.Fatal("RoundTrip without a connection succeeded")
	}
	return errors.Is(err, errNoDial)
}

// TestAgreesWithNetHTTP checks every byte, in a name and in a value, against net/http's own rules.
func TestAgreesWithNetHTTP(t *testing.T) {
	for c := range 256 {
		name := "X" + string([]byte{byte(c)})
		if got, want := IsToken(name), netHTTPAccepts(t, name, "v"); got != want {
			t.Errorf("name %q: IsToken %v, net/http accepts %v", name, got, want)
		}
		value := "v" + string([]byte{byte(c)}) + "v"
		if got, want := ValidFieldValue(value), netHTTPAccepts(t, "X", value); got != want {
			t.Errorf("value %q: ValidFieldValue %v, net/http accepts %v", value, got, want)
		}
	}
}
