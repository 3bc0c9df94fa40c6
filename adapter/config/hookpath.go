package config

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// CanonicalPath is the form two spellings of one route share: percent-decoded once, "//", "." and ".."
// collapsed, lower-cased, without a trailing slash. The SnapStart hook guard compares these forms.
func CanonicalPath(p string) (string, error) {
	dec, err := url.PathUnescape(p)
	if err != nil {
		return "", fmt.Errorf("malformed percent-escape: %w", err)
	}
	if !strings.HasPrefix(dec, "/") {
		dec = "/" + dec
	}
	return strings.ToLower(path.Clean(dec)), nil
}

// parseHookPath validates a SnapStart hook path: it must not be ambiguous once decoded (a "%" left
// after decoding means a double encoding), collapse to "/", or name the pass-through route.
func parseHookPath(name, v, passThrough string) (string, error) {
	const accepted = "an app path starting with /, not /, not the pass-through path, without double percent-encoding"
	if _, err := parsePath(name, v); err != nil {
		return "", &Error{Var: name, Value: v, Accepted: accepted}
	}
	canon, err := CanonicalPath(v)
	if err != nil {
		return "", &Error{Var: name, Value: v, Accepted: accepted, Err: err}
	}
	if strings.Contains(canon, "%") {
		return "", &Error{Var: name, Value: v, Accepted: accepted, Err: errors.New("decoded path still contains %")}
	}
	if canon == "/" {
		return "", &Error{Var: name, Value: v, Accepted: accepted, Err: errors.New("path collapses to /")}
	}
	if pt, err := CanonicalPath(passThrough); err == nil && pt == canon {
		return "", &Error{Var: name, Value: v, Accepted: accepted, Err: errors.New("path is the pass-through path")}
	}
	return v, nil
}
