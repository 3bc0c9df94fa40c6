package imageref

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, ok := range []string{"alpine", "ghcr.io/acme/app:1.0", "127.0.0.1:5000/a/b_c/d-e:v1.2_x", "localhost/x@sha256:" + strings.Repeat("a", 64), "r.io/x:1@sha256:" + strings.Repeat("0", 64)} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q) = %v", ok, err)
		}
	}
	for in, want := range map[string]string{
		"UPPER/Case::x":        `not an image reference: repository "UPPER/Case" has upper-case letters (repository names are lower-case: upper/case); "::x" has more than one ':' after the repository (a reference ends in at most one :TAG)`,
		"ghcr.io/Acme/app":     `not an image reference: repository "Acme/app" has upper-case letters (repository names are lower-case: acme/app)`,
		"r.io/app:1.2.3+build": `not an image reference: tag "1.2.3+build": '+' is not allowed there (a tag is 1 to 128 letters, digits, _ . and -, not starting with . or -)`,
		"r.io/app@sha256:abc":  `not an image reference: digest "sha256:abc" is not sha256: and 64 lower-case hex digits`,
		"r.io/-app":            `not an image reference: repository part "-app": use a-z and 0-9, with . _ or - only between them`,
		"r.io/":                "not an image reference: no repository name",
		"":                     "empty reference: give REGISTRY/REPOSITORY[:TAG], e.g. ghcr.io/acme/app:1.0",
		"ghcr.io/acme/app 1.0": `"ghcr.io/acme/app 1.0" has white space: a reference is REGISTRY/REPOSITORY[:TAG] without spaces`,
	} {
		if err := Check(in); err == nil || err.Error() != want {
			t.Errorf("Check(%q) =\n%v\nwant\n%s", in, err, want)
		}
	}
}
