package config

import (
	"errors"
	"fmt"
	"strings"
)

// Lookup is os.LookupEnv's signature, so tests can pass a map.
type Lookup func(key string) (string, bool)

// MapLookup adapts a map to a Lookup. It also lists its names (see Environ).
func MapLookup(env map[string]string) Lookup {
	return func(k string) (string, bool) {
		if k == namesKey {
			return mapNames(env), true
		}
		v, ok := env[k]
		return v, ok
	}
}

// alias is another name a variable may be set under.
type alias struct {
	name       string
	deprecated bool // using it adds a warning
}

// reader reads variables under their names or their aliases, and collects the warnings.
type reader struct {
	lookup   Lookup
	aliases  map[string]alias // variable → its alias
	warnings []string
}

func newReader(lookup Lookup) *reader {
	// PORT is a supported fallback, not a deprecated alias (AWS's adapter says so too).
	aliases := map[string]alias{envPort: {name: "PORT"}}
	for old, name := range renamedVars() {
		aliases[name] = alias{name: old, deprecated: true}
	}
	return &reader{lookup: lookup, aliases: aliases}
}

// get returns the value of the variable name, else of its alias, and the name it was set under.
// A variable set to "" is unset. Reading a deprecated alias adds one warning.
func (r *reader) get(name string) (v, setAs string, ok bool) {
	if v, ok := r.lookup(name); ok && v != "" {
		return v, name, true
	}
	a, has := r.aliases[name]
	if !has {
		return "", name, false
	}
	if v, ok := r.lookup(a.name); ok && v != "" {
		if a.deprecated {
			r.warnf("%s is deprecated: use %s", a.name, name)
		}
		return v, a.name, true
	}
	return "", name, false
}

// value is the variable's value, "" when unset; for values Lambda sets and nothing validates.
func (r *reader) value(name string) string {
	v, _, _ := r.get(name)
	return v
}

func (r *reader) warnf(format string, args ...any) {
	r.warnings = append(r.warnings, fmt.Sprintf(format, args...))
}

// setVar parses the variable name, when it is set, into *dst; a variable that is not set or not
// valid leaves *dst as it was. The error names the variable as it was set (the alias, if that was
// used).
func setVar[T any](r *reader, name string, dst *T, parse func(name, v string) (T, error)) error {
	v, setAs, ok := r.get(name)
	if !ok {
		return nil
	}
	x, err := parse(setAs, v)
	if err != nil {
		return err
	}
	*dst = x
	return nil
}

// rooted wraps the parser of an app path so that a path without its leading slash gets one, as AWS's
// adapter does for the pass-through and SnapStart hook paths (it sets them as a URL's path), with a
// warning. An error shows the value as it was set.
func (r *reader) rooted(parse func(name, v string) (string, error)) func(name, v string) (string, error) {
	return func(name, v string) (string, error) {
		p := v
		if v != "" && !strings.HasPrefix(v, "/") {
			p = "/" + v
			r.warnf("%s=%q has no leading slash: using %q", name, v, p)
		}
		p, err := parse(name, p)
		var ce *Error
		if errors.As(err, &ce) {
			ce.Value = v
		}
		return p, err
	}
}
