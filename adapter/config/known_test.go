package config

import (
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// KnownVars must be exactly the AWS_LWA_ names config.go reads: a variable added to FromEnv and
// not to the list would be reported as unknown.
func TestKnownVarsMatchFromEnv(t *testing.T) {
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`"(AWS_LWA_[A-Z_]+[A-Z])"`).FindAllStringSubmatch(string(src), -1) {
		seen[m[1]] = true
	}
	var read []string
	for n := range seen {
		read = append(read, n)
	}
	sort.Strings(read)
	if known := KnownVars(); !slices.Equal(read, known) {
		t.Errorf("config.go reads\n%q\nKnownVars lists\n%q", read, known)
	}
	for alias, to := range DeprecatedAliases() {
		if !seen[to] {
			t.Errorf("alias %s points to %s, which config.go does not read", alias, to)
		}
	}
}

// KnownVars must also be exactly the AWS_LWA_ names FromEnv asks for, wherever in the package they
// are spelled. With nothing set, every fallback is asked for too.
func TestKnownVarsAreWhatFromEnvAsks(t *testing.T) {
	asked := map[string]bool{}
	lookup := func(k string) (string, bool) {
		asked[k] = true
		if k == "AWS_LAMBDA_RUNTIME_API" {
			return "127.0.0.1:9001", true
		}
		return "", false
	}
	if _, _, err := FromEnv(lookup); err != nil {
		t.Fatal(err)
	}
	var read []string
	for k := range asked {
		if strings.HasPrefix(k, "AWS_LWA_") {
			read = append(read, k)
		}
	}
	sort.Strings(read)
	if known := KnownVars(); !slices.Equal(read, known) {
		t.Errorf("FromEnv asks for\n%q\nKnownVars lists\n%q", read, known)
	}
}

func TestUnknownVars(t *testing.T) {
	tests := []struct {
		name string
		want UnknownVar
		msg  string
	}{
		{"AWS_LWA_READYNESS_CHECK_PATH", UnknownVar{Name: "AWS_LWA_READYNESS_CHECK_PATH", Suggestion: "AWS_LWA_READINESS_CHECK_PATH"},
			"AWS_LWA_READYNESS_CHECK_PATH is not a variable the adapter reads, so it has no effect: did you mean AWS_LWA_READINESS_CHECK_PATH?"},
		{"AWS_LWA_INVOKE_MOD", UnknownVar{Name: "AWS_LWA_INVOKE_MOD", Suggestion: "AWS_LWA_INVOKE_MODE"},
			"AWS_LWA_INVOKE_MOD is not a variable the adapter reads, so it has no effect: did you mean AWS_LWA_INVOKE_MODE?"},
		{"AWS_LWA_INOVKE_MODE", UnknownVar{Name: "AWS_LWA_INOVKE_MODE", Suggestion: "AWS_LWA_INVOKE_MODE"},
			"AWS_LWA_INOVKE_MODE is not a variable the adapter reads, so it has no effect: did you mean AWS_LWA_INVOKE_MODE?"},
		{"AWS_LWA_ERROR_STATUS_CODE", UnknownVar{Name: "AWS_LWA_ERROR_STATUS_CODE", Suggestion: "AWS_LWA_ERROR_STATUS_CODES"},
			"AWS_LWA_ERROR_STATUS_CODE is not a variable the adapter reads, so it has no effect: did you mean AWS_LWA_ERROR_STATUS_CODES?"},
		{"aws_lwa_port", UnknownVar{Name: "aws_lwa_port", Suggestion: "AWS_LWA_PORT"},
			"aws_lwa_port is not a variable the adapter reads, so it has no effect: did you mean AWS_LWA_PORT?"},
		{"AWS_LWA_FOO", UnknownVar{Name: "AWS_LWA_FOO"},
			"AWS_LWA_FOO is not a variable the adapter reads, so it has no effect (the README's configuration table lists those it reads)"},
		{"AWS_LWA_ENABLE_TLS", UnknownVar{Name: "AWS_LWA_ENABLE_TLS", Removed: true},
			"AWS_LWA_ENABLE_TLS is not supported: the adapter talks plain HTTP to the app, which listens on loopback inside the function's sandbox where no other host can reach the connection (AWS's adapter removed TLS to the app in v0.7.2); serve HTTP on AWS_LWA_PORT and remove AWS_LWA_ENABLE_TLS"},
		{"AWS_LWA_TLS_CERT_FILE", UnknownVar{Name: "AWS_LWA_TLS_CERT_FILE", Removed: true},
			"AWS_LWA_TLS_CERT_FILE is not supported: the adapter talks plain HTTP to the app, which listens on loopback inside the function's sandbox where no other host can reach the connection (AWS's adapter removed TLS to the app in v0.7.2); serve HTTP on AWS_LWA_PORT and remove AWS_LWA_TLS_CERT_FILE"},
		{"AWS_LWA_TLS_SERVER_NAME", UnknownVar{Name: "AWS_LWA_TLS_SERVER_NAME", Removed: true},
			"AWS_LWA_TLS_SERVER_NAME is not supported: the adapter talks plain HTTP to the app, which listens on loopback inside the function's sandbox where no other host can reach the connection (AWS's adapter removed TLS to the app in v0.7.2); serve HTTP on AWS_LWA_PORT and remove AWS_LWA_TLS_SERVER_NAME"},
	}
	for _, tt := range tests {
		got := UnknownVars([]string{tt.name, "AWS_LWA_PORT", "PATH", "HOST"})
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("UnknownVars(%s) = %+v, want [%+v]", tt.name, got, tt.want)
			continue
		}
		if msg := got[0].Warning(); msg != tt.msg {
			t.Errorf("warning\n got %s\nwant %s", msg, tt.msg)
		}
	}
}

func TestUnknownVarsNone(t *testing.T) {
	names := append(KnownVars(), "PORT", "HOST", "AWS_LAMBDA_RUNTIME_API", "AWS_LWAX")
	if got := UnknownVars(names); len(got) != 0 {
		t.Errorf("known names reported: %+v", got)
	}
}

// FromEnv logs one warning per unknown variable when its Lookup can list names (Environ,
// MapLookup), after the other warnings, sorted by name; a plain Lookup gives none.
func TestFromEnvWarnsUnknown(t *testing.T) {
	environ := []string{
		"AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001", "HOST=127.0.0.1", "AWS_LWA_INVOKE_MOD=response_stream",
		"AWS_LWA_ENABLE_TLS=true", "PATH=/usr/bin",
	}
	_, warn, err := FromEnv(Environ(environ))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"HOST is deprecated: use AWS_LWA_HOST",
		UnknownVar{Name: "AWS_LWA_ENABLE_TLS", Removed: true}.Warning(),
		"AWS_LWA_INVOKE_MOD is not a variable the adapter reads, so it has no effect: did you mean AWS_LWA_INVOKE_MODE?",
	}
	if !slices.Equal(warn, want) {
		t.Errorf("warnings\n got %q\nwant %q", warn, want)
	}
	m := map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "AWS_LWA_INVOKE_MOD": "x"}
	plain := func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	if _, warn, _ := FromEnv(plain); len(warn) != 0 {
		t.Errorf("a Lookup that cannot list names gave warnings %q", warn)
	}
	if v, ok := Environ([]string{"A=1=2", "B=", "A=3"})("A"); !ok || v != "3" {
		t.Errorf("Environ A = %q %v, want 3 (the later item)", v, ok)
	}
}
