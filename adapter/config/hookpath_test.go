package config

import (
	"errors"
	"strings"
	"testing"
)

func TestCanonicalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/_lwa/before":         "/_lwa/before",
		"":                     "/",
		"_lwa/before":          "/_lwa/before",
		"/A/B/":                "/a/b",
		"//a///b//":            "/a/b",
		"/a/./b/.":             "/a/b",
		"/a/x/../b":            "/a/b",
		"/../../a":             "/a",
		"/%61%2F%62":           "/a/b",
		"/%2561":               "/a",   // double encoding
		"/%252561":             "/a",   // triple
		"/a%5Cb":               "/a/b", // backslash
		`/a\b`:                 "/a/b",
		"/100%25":              "/100%", // a '%' that starts no escape is kept
		"/%zz/%":               "/%zz/%",
		"/%2e%2E/a":            "/a",
		"/a;x=1":               "/a;x=1", // parameters are SameRoute's business
		"/%C3%91":              "/ñ",
		"/%25%32%46a":          "/a", // "%25%32%46" → "%2F" → "/"
		"/%%32%46a/..%2fb%2fc": "/b/c",
	} {
		if got := CanonicalPath(in); got != want {
			t.Errorf("CanonicalPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSameRoute is the guard's table: every spelling of /_lwa/before that some app may route to it
// is refused; neighbours are not.
func TestSameRoute(t *testing.T) {
	hook := CanonicalPath("/_lwa/before")
	refused := []string{
		"/_lwa/before",
		"/_lwa/before/",
		"/_LWA/Before",
		"//_lwa//before",
		"/./_lwa/./before/.",
		"/x/../_lwa/before",
		"/../_lwa/before",
		"/%5Flwa/before",
		"/%5flwa/%62%65fore",
		"/_lwa%2Fbefore",
		"/_lwa%2fbefore",
		"/%255Flwa/before",      // an app that decodes twice
		"/%25255Flwa/before",    // three times
		"/_lwa%252Fbefore",      // a slash encoded twice
		"/_lwa/x/%2E%2E/before", // dot segments encoded
		"/_lwa/x/%252e%252e/before",
		`/_lwa\before`,
		"/_lwa%5Cbefore",
		"/_lwa/before;jsessionid=1", // servlet path parameters
		"/_lwa;v=1/before",
		"/_lwa/before%3Bx", // ';' encoded: containers that strip after decoding
		"/_lwa/before%253Bx",
		"/_lwa/before;x%2F..%2F", // Tomcat strips parameters before decoding
	}
	allowed := []string{
		"/",
		"/_lwa",
		"/_lwa/",
		"/_lwa/before2",
		"/_lwa/before.",
		"/_lwa/before..",
		"/_lwa/before/x",
		"/_lwa/before%2Fx",
		"/x/_lwa/before",
		"/_lwa/before%25",  // decodes to "/_lwa/before%": another route
		"/_lwa/before%zz",  // malformed escape, kept as it is
		"/_lwa/bef%20ore",  // a space is not nothing
		"/_lwa/before%00",  // nor is a NUL
		"/_lwa/before-x;y", // parameters stripped, still another route
		"/events",
	}
	for _, p := range refused {
		if !SameRoute(p, hook) {
			t.Errorf("SameRoute(%q, %q) = false: this spelling reaches the hook", p, hook)
		}
	}
	for _, p := range allowed {
		if SameRoute(p, hook) {
			t.Errorf("SameRoute(%q, %q) = true: another route refused", p, hook)
		}
	}
	if SameRoute("/", "") || SameRoute("", "") {
		t.Error("an unset hook matched")
	}
	// A hook configured with an encoded letter guards its plain spelling too.
	if !SameRoute("/snap/after", CanonicalPath("/snap/%61fter")) {
		t.Error("/snap/%61fter does not guard /snap/after")
	}
}

// TestHookPathValidation checks the startup validation of both hook variables: accepted values are
// kept verbatim (they are what the adapter POSTs to), rejected ones are errors naming the variable.
func TestHookPathValidation(t *testing.T) {
	c, _, err := FromEnv(env("AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "/_lwa/before", "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH", "/snap/%61fter"))
	if err != nil || c.BeforeCheckpointPath != "/_lwa/before" || c.AfterRestorePath != "/snap/%61fter" {
		t.Fatalf("%+v %v", c, err)
	}
	c, _, err = FromEnv(env("AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", ""))
	if err != nil || c.BeforeCheckpointPath != "" {
		t.Fatalf("empty hook variable: %q %v", c.BeforeCheckpointPath, err)
	}
	for _, tc := range []struct{ v, passThrough, want string }{
		{"/%2525x", "", "decoded path still contains %"},
		{"/snap/after%25", "", "decoded path still contains %"},
		{"/%zz", "", "malformed percent-escape"},
		{"/x%", "", "malformed percent-escape"},
		{"/x%4", "", "malformed percent-escape"},
		{"/", "", "collapses to /"},
		{"//./", "", "collapses to /"},
		{"/a/..", "", "collapses to /"},
		{"/%2F", "", "collapses to /"},
		{"/%2e%2E", "", "collapses to /"},
		{"/..", "", "collapses to /"},
		{"/EVENTS", "", "is the pass-through path"},
		{"/events/", "", "is the pass-through path"},
		{"/%65vents", "", "is the pass-through path"},
		{"/x/../events", "", "is the pass-through path"},
		{"/_lwa/in", "/_LWA//in/", "is the pass-through path"},
		{"/events", "/events;v=1", "is the pass-through path"},
		{"/a;b", "", "contains ';'"},
		{"/a%3Bb", "", "contains ';'"},
		{`/a\b`, "", `contains '\'`},
		{"/a%5cb", "", `contains '\'`},
		{"/a%0Ab", "", "control byte"},
		{"/a%00", "", "control byte"},
		{"a;b", "", "contains ';'"}, // rooted to /a;b first; the error shows the value as set
		{"/a?b", "", "accepted"},
		{"/a b", "", "accepted"},
	} {
		for _, name := range []string{"AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH"} {
			kv := []string{name, tc.v}
			if tc.passThrough != "" {
				kv = append(kv, "AWS_LWA_PASS_THROUGH_PATH", tc.passThrough)
			}
			_, _, err := FromEnv(env(kv...))
			var ce *Error
			if !errors.As(err, &ce) || ce.Var != name || ce.Value != tc.v {
				t.Errorf("%s=%q: error %v does not name the variable and value", name, tc.v, err)
				continue
			}
			if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s=%q: %v (want %q)", name, tc.v, err, tc.want)
			}
		}
	}
}

func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{"/_lwa/before", "/%255F", "/a/../%2e%2e/b;c", `\%`, "%", "/%%41", "/\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c := CanonicalPath(p)
		if !strings.HasPrefix(c, "/") {
			t.Fatalf("CanonicalPath(%q) = %q: no leading slash", p, c)
		}
		if again := CanonicalPath(c); again != c {
			t.Fatalf("CanonicalPath is not idempotent: %q → %q → %q", p, c, again)
		}
		if !SameRoute(p, c) {
			t.Fatalf("SameRoute(%q, CanonicalPath(it)) = false", p)
		}
	})
}
