package tag

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, ok := range []string{"latest", "1.2.3", "1.2.3_build.5", "_x", "v1-rc.1", strings.Repeat("a", 128)} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q) = %v", ok, err)
		}
	}
	for in, want := range map[string]string{
		"":                       "tag is empty: a tag is 1 to 128 letters, digits, _ . and -, not starting with . or -",
		"1.2.3+build":            `tag "1.2.3+build": '+' is not allowed there (a tag is 1 to 128 letters, digits, _ . and -, not starting with . or -)`,
		".hidden":                `tag ".hidden": '.' is not allowed there (a tag is 1 to 128 letters, digits, _ . and -, not starting with . or -)`,
		"a:b":                    `tag "a:b": ':' is not allowed there (a tag is 1 to 128 letters, digits, _ . and -, not starting with . or -)`,
		strings.Repeat("a", 129): `tag "` + strings.Repeat("a", 129) + `" is 129 characters long: at most 128`,
	} {
		if err := Check(in); err == nil || err.Error() != want {
			t.Errorf("Check(%q) = %v, want %s", in, err, want)
		}
	}
}

func TestFromVersion(t *testing.T) {
	for in, want := range map[string]string{"1.2.3": "1.2.3", "1.2.3+build.5": "1.2.3_build.5", "v0.0.0-20260101-abc+dirty": "v0.0.0-20260101-abc_dirty"} {
		if got, err := FromVersion(in); err != nil || got != want {
			t.Errorf("FromVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := FromVersion("-1"); err == nil || !strings.HasPrefix(err.Error(), `version "-1" cannot become a tag (+ becomes _): tag "-1"`) {
		t.Errorf("FromVersion(-1) = %v", err)
	}
}
