// Package tag is lwa-pack's one grammar for image tags, used for --tag, the tag part of --push and
// --name, and the tags made from versions: the OCI distribution spec's
// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}. A version's + (semver build metadata), which no tag may hold,
// becomes _ as Helm and others map it; anything else that is not tag-safe is refused up front.
package tag

import (
	"fmt"
	"strings"
)

// Latest is the tag a push gets when neither the reference nor --tag names one, as ko does.
const Latest = "latest"

// MaxLen is the distribution spec's limit.
const MaxLen = 128

// Check returns nil when t is a valid tag, else an error that says what a tag may hold.
func Check(t string) error {
	if t == "" {
		return fmt.Errorf("tag is empty: a tag is 1 to %d letters, digits, _ . and -, not starting with . or -", MaxLen)
	}
	if len(t) > MaxLen {
		return fmt.Errorf("tag %q is %d characters long: at most %d", t, len(t), MaxLen)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
		if !alnum && (i == 0 || (c != '.' && c != '-')) {
			return fmt.Errorf("tag %q: %q is not allowed there (a tag is 1 to %d letters, digits, _ . and -, not starting with . or -)", t, c, MaxLen)
		}
	}
	return nil
}

// FromVersion maps a version to its tag: + becomes _ (1.2.3+build.5 → 1.2.3_build.5); the result
// must then be a valid tag.
func FromVersion(v string) (string, error) {
	t := strings.ReplaceAll(v, "+", "_")
	if err := Check(t); err != nil {
		return "", fmt.Errorf("version %q cannot become a tag (+ becomes _): %w", v, err)
	}
	return t, nil
}
