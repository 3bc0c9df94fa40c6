package config

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lwa-go/lwa/adapter/internal/httpsyntax"
)

// Error is an invalid setting. Its message names the variable, the value and what is accepted.
type Error struct {
	Var      string
	Value    string
	Accepted string
	Err      error // optional cause
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("invalid %s=%q: accepted: %s", e.Var, e.Value, e.Accepted)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// The value parsers below share one signature, func(name, v string) (T, error), so that setVar can
// apply any of them; name is only for the error.

func parsePort(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > 65535 {
		return 0, &Error{Var: name, Value: v, Accepted: "a port number from 1 to 65535"}
	}
	return n, nil
}

func parseHost(name, v string) (string, error) {
	h := strings.TrimSpace(v)
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	if net.ParseIP(h) != nil {
		return h, nil
	}
	if h == "" || len(h) > 253 || strings.ContainsAny(h, " /:@?#[]%") {
		return "", &Error{Var: name, Value: v, Accepted: "an IPv4 or IPv6 address or a host name"}
	}
	return h, nil
}

func parseHostPort(name, v string) (string, error) {
	host, port, err := net.SplitHostPort(strings.TrimSpace(v))
	if err != nil || port == "" {
		return "", &Error{Var: name, Value: v, Accepted: "host:port", Err: err}
	}
	if _, err := parsePort(name, port); err != nil {
		return "", &Error{Var: name, Value: v, Accepted: "host:port with a port from 1 to 65535"}
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

const pathAccepted = "a URL path starting with / (no spaces, ? or #)"

func parsePath(name, v string) (string, error) {
	if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, " ?#") || httpsyntax.HasControl(v) {
		return "", &Error{Var: name, Value: v, Accepted: pathAccepted}
	}
	return v, nil
}

func parseBool(name, v string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, &Error{Var: name, Value: v, Accepted: "true or false (also 1, 0, t, f, TRUE, FALSE, True, False)"}
	}
	return b, nil
}

// parseChoice makes the parser of a value that is one of choices, in any case, spaces around it
// dropped.
func parseChoice[T ~string](accepted string, choices ...T) func(name, v string) (T, error) {
	return func(name, v string) (T, error) {
		if c := T(strings.ToLower(strings.TrimSpace(v))); slices.Contains(choices, c) {
			return c, nil
		}
		return "", &Error{Var: name, Value: v, Accepted: accepted}
	}
}

// parsePositiveSeconds is a duration in seconds, fractions allowed, above 0.
func parsePositiveSeconds(name, v string) (time.Duration, error) {
	return parseSeconds(name, v, false)
}

// parseSecondsOrZero is a duration in seconds, fractions allowed, 0 included.
func parseSecondsOrZero(name, v string) (time.Duration, error) {
	return parseSeconds(name, v, true)
}

func parseSeconds(name, v string, zeroOK bool) (time.Duration, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	accepted := "a positive number of seconds, fractions allowed (e.g. 2.5)"
	if zeroOK {
		accepted = "a number of seconds ≥ 0, fractions allowed (0 disables)"
	}
	if err != nil || f != f || f < 0 || (!zeroOK && f == 0) || f > 86400 {
		return 0, &Error{Var: name, Value: v, Accepted: accepted}
	}
	return time.Duration(f * float64(time.Second)), nil
}

// parseStatusVar is a StatusSet, with the grammar in the error.
func parseStatusVar(name, v string) (StatusSet, error) {
	set, err := ParseStatusSet(v)
	if err != nil {
		return nil, &Error{Var: name, Value: v, Accepted: statusGrammar, Err: err}
	}
	return set, nil
}
