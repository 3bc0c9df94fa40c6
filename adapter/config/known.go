package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lwa-go/lwa/internal/spelling"
)

// KnownVars returns every AWS_LWA_* variable the adapter reads, sorted.
func KnownVars() []string {
	return []string{
		"AWS_LWA_ASYNC_INIT",
		"AWS_LWA_AUTHORIZATION_SOURCE",
		"AWS_LWA_ENABLE_COMPRESSION",
		"AWS_LWA_ERROR_STATUS_CODES",
		"AWS_LWA_HOST",
		"AWS_LWA_INVOKE_MODE",
		"AWS_LWA_LAMBDA_RUNTIME_API_PROXY",
		"AWS_LWA_PASS_THROUGH_PATH",
		"AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS",
		"AWS_LWA_PORT",
		"AWS_LWA_READINESS_CHECK_HEALTHY_STATUS",
		"AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS",
		"AWS_LWA_READINESS_CHECK_PATH",
		"AWS_LWA_READINESS_CHECK_PORT",
		"AWS_LWA_READINESS_CHECK_PROTOCOL",
		"AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS",
		"AWS_LWA_REMOVE_BASE_PATH",
		"AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH",
		"AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH",
	}
}

// DeprecatedAliases maps each deprecated name the adapter still reads to the name that replaces
// it. Using one logs a deprecation warning at start. PORT is not here: it is a supported fallback
// for AWS_LWA_PORT, as in AWS's adapter.
func DeprecatedAliases() map[string]string {
	m := renamedVars()
	// Not a rename: the older form of the same setting (see readHealthyStatus).
	m["AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS"] = "AWS_LWA_READINESS_CHECK_HEALTHY_STATUS"
	return m
}

// renamedVars maps each name AWS's adapter read before it took the AWS_LWA_ prefix to its new
// name: FromEnv reads either, the old one with a deprecation warning.
func renamedVars() map[string]string {
	return map[string]string{
		"HOST":                     "AWS_LWA_HOST",
		"READINESS_CHECK_PORT":     "AWS_LWA_READINESS_CHECK_PORT",
		"READINESS_CHECK_PATH":     "AWS_LWA_READINESS_CHECK_PATH",
		"READINESS_CHECK_PROTOCOL": "AWS_LWA_READINESS_CHECK_PROTOCOL",
		"ASYNC_INIT":               "AWS_LWA_ASYNC_INIT",
		"REMOVE_BASE_PATH":         "AWS_LWA_REMOVE_BASE_PATH",
	}
}

// removedTLSVars are AWS's adapter's 0.x settings for HTTPS to the app, removed in its v0.7.2.
func removedTLSVars() []string {
	return []string{"AWS_LWA_ENABLE_TLS", "AWS_LWA_TLS_CERT_FILE", "AWS_LWA_TLS_SERVER_NAME"}
}

// UnknownVar is an AWS_LWA_* variable in the environment that the adapter does not read.
type UnknownVar struct {
	Name string
	// Suggestion is the closest known name, when one is close enough to be a likely misspelling
	// (or differs only in case); empty otherwise.
	Suggestion string
	// Removed is set for AWS's adapter's removed TLS settings.
	Removed bool
}

// Warning is the line the adapter logs at start for the variable.
func (u UnknownVar) Warning() string {
	switch {
	case u.Removed:
		return fmt.Sprintf("%s is not supported: the adapter talks plain HTTP to the app, which listens on loopback inside the function's sandbox where no other host can reach the connection (AWS's adapter removed TLS to the app in v0.7.2); serve HTTP on AWS_LWA_PORT and remove %s", u.Name, u.Name)
	case u.Suggestion != "":
		return fmt.Sprintf("%s is not a variable the adapter reads, so it has no effect: did you mean %s?", u.Name, u.Suggestion)
	}
	return fmt.Sprintf("%s is not a variable the adapter reads, so it has no effect (the README's configuration table lists those it reads)", u.Name)
}

// UnknownVars returns, sorted by name, each name in names that starts with AWS_LWA_ (in any case)
// and is not a variable the adapter reads, with the closest known name.
func UnknownVars(names []string) []UnknownVar {
	known := KnownVars()
	isKnown := make(map[string]bool, len(known))
	for _, k := range known {
		isKnown[k] = true
	}
	var out []UnknownVar
	for _, n := range names {
		if !strings.HasPrefix(strings.ToUpper(n), "AWS_LWA_") || isKnown[n] {
			continue
		}
		u := UnknownVar{Name: n}
		for _, r := range removedTLSVars() {
			if strings.EqualFold(n, r) {
				u.Removed = true
			}
		}
		if !u.Removed {
			u.Suggestion = closest(n, known)
		}
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// closest returns the known name nearest to n, if it is near enough to be a misspelling: within
// a third of the name's length after the common prefix (at least 2 edits), compared case-blind.
func closest(n string, known []string) string {
	suffix := strings.TrimPrefix(strings.ToUpper(n), "AWS_LWA_")
	best, bestDist := "", -1
	for _, k := range known {
		d := spelling.Distance(suffix, strings.TrimPrefix(k, "AWS_LWA_"))
		if bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	limit := max(2, len(strings.TrimPrefix(best, "AWS_LWA_"))/3)
	if bestDist > limit {
		return ""
	}
	return best
}

// namesKey is what FromEnv asks a Lookup for the names it holds (NUL-separated). No environment
// variable can be called that (names hold neither '=' nor NUL), so os.LookupEnv answers false and
// FromEnv skips the unknown-name warnings; Lookups made by Environ and MapLookup answer it.
const namesKey = "=\x00names"

// Environ makes a Lookup over an environment as os.Environ returns it ("K=V" items; a later item
// wins). Unlike os.LookupEnv, it also lists its names, so FromEnv warns about unknown AWS_LWA_*
// variables.
func Environ(environ []string) Lookup {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			m[k] = v
		}
	}
	return MapLookup(m)
}

func mapNames(env map[string]string) string {
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	return strings.Join(names, "\x00")
}

// unknownWarnings lists the lookup's names, when it can, and warns about the unknown AWS_LWA_ ones.
func unknownWarnings(lookup Lookup) []string {
	list, ok := lookup(namesKey)
	if !ok || list == "" {
		return nil
	}
	var out []string
	for _, u := range UnknownVars(strings.Split(list, "\x00")) {
		out = append(out, u.Warning())
	}
	return out
}
