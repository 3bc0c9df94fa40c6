package config

import (
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(kv ...string) Lookup {
	m := map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return MapLookup(m)
}

func TestDefaults(t *testing.T) {
	c, warn, err := FromEnv(env())
	if err != nil {
		t.Fatal(err)
	}
	if len(warn) != 0 {
		t.Errorf("warnings %q", warn)
	}
	want := Config{
		Host: "127.0.0.1", Port: 8080, ReadinessCheckPort: 8080, ReadinessCheckPath: "/",
		ReadinessCheckProtocol: ProtocolHTTP, HealthyStatus: StatusSet{{100, 499}},
		PassThroughPath: "/events", InvokeMode: InvokeBuffered, PoolIdleTimeout: 4 * time.Second,
		PoolEnabled: true, ExtensionsAPI: "127.0.0.1:9001", RuntimeAPI: "127.0.0.1:9001",
		MaxConcurrency: 1, LogLevel: slog.LevelInfo,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults\n got %+v\nwant %+v", c, want)
	}
	if c.AppAddr() != "127.0.0.1:8080" || c.ReadinessAddr() != "127.0.0.1:8080" {
		t.Errorf("addrs %s %s", c.AppAddr(), c.ReadinessAddr())
	}
}

func TestEveryVariable(t *testing.T) {
	c, warn, err := FromEnv(env(
		"AWS_LWA_PORT", "3000",
		"AWS_LWA_HOST", "::1",
		"AWS_LWA_READINESS_CHECK_PORT", "3001",
		"AWS_LWA_READINESS_CHECK_PATH", "/healthz",
		"AWS_LWA_READINESS_CHECK_PROTOCOL", "TCP",
		"AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "200-399, 404",
		"AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "2.5",
		"AWS_LWA_ASYNC_INIT", "TRUE",
		"AWS_LWA_REMOVE_BASE_PATH", "/api/",
		"AWS_LWA_PASS_THROUGH_PATH", "/sqs",
		"AWS_LWA_AUTHORIZATION_SOURCE", "X-Api-Auth",
		"AWS_LWA_ERROR_STATUS_CODES", "500-599,429",
		"AWS_LWA_ENABLE_COMPRESSION", "1",
		"AWS_LWA_INVOKE_MODE", "RESPONSE_STREAM",
		"AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS", "0.5",
		"AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "127.0.0.1:9009",
		"AWS_LAMBDA_MAX_CONCURRENCY", "8",
		"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand",
		"AWS_LAMBDA_FUNCTION_NAME", "fn",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024",
		"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST",
		"AWS_LAMBDA_LOG_STREAM_NAME", "stream",
		"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/fn",
		"AWS_LAMBDA_LOG_LEVEL", "debug",
		"AWS_LAMBDA_LOG_FORMAT", "json",
	))
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]any{
		"Port":                   {c.Port, 3000},
		"Host":                   {c.Host, "::1"},
		"AppAddr":                {c.AppAddr(), "[::1]:3000"},
		"ReadinessAddr":          {c.ReadinessAddr(), "[::1]:3001"},
		"ReadinessCheckPath":     {c.ReadinessCheckPath, "/healthz"},
		"ReadinessCheckProtocol": {c.ReadinessCheckProtocol, ProtocolTCP},
		"HealthyStatus":          {c.HealthyStatus.String(), "200-399,404"},
		"ReadinessCheckTimeout":  {c.ReadinessCheckTimeout, time.Duration(0)}, // read, then dropped: async init (warned)
		"AsyncInit":              {c.AsyncInit, true},
		"RemoveBasePath":         {c.RemoveBasePath, "/api"},
		"PassThroughPath":        {c.PassThroughPath, "/sqs"},
		"AuthorizationSource":    {c.AuthorizationSource, "X-Api-Auth"},
		"ErrorStatusCodes":       {c.ErrorStatusCodes.String(), "500-599,429"},
		"EnableCompression":      {c.EnableCompression, true},
		"InvokeMode":             {c.InvokeMode, InvokeResponseStream},
		"PoolIdleTimeout":        {c.PoolIdleTimeout, 500 * time.Millisecond},
		"PoolEnabled":            {c.PoolEnabled, true},
		"ExtensionsAPI":          {c.ExtensionsAPI, "127.0.0.1:9001"},
		"RuntimeAPI":             {c.RuntimeAPI, "127.0.0.1:9009"},
		"MaxConcurrency":         {c.MaxConcurrency, 8},
		"MemorySizeMB":           {c.MemorySizeMB, 1024},
		"FunctionName":           {c.FunctionName, "fn"},
		"FunctionVersion":        {c.FunctionVersion, "$LATEST"},
		"LogStreamName":          {c.LogStreamName, "stream"},
		"LogGroupName":           {c.LogGroupName, "/aws/lambda/fn"},
		"LogLevel":               {c.LogLevel, slog.LevelDebug},
		"LogJSON":                {c.LogJSON, true},
	}
	for name, gw := range checks {
		if !reflect.DeepEqual(gw[0], gw[1]) {
			t.Errorf("%s = %v, want %v", name, gw[0], gw[1])
		}
	}
	if len(warn) != 2 || !strings.Contains(warn[0], "AWS_LWA_ENABLE_COMPRESSION has no effect") ||
		!strings.Contains(warn[1], "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS does not apply") {
		t.Errorf("warnings %q", warn)
	}
}

func TestAliases(t *testing.T) {
	c, warn, err := FromEnv(env(
		"PORT", "3000", "HOST", "0.0.0.0", "READINESS_CHECK_PORT", "3001",
		"READINESS_CHECK_PATH", "/up", "READINESS_CHECK_PROTOCOL", "tcp",
		"ASYNC_INIT", "true", "REMOVE_BASE_PATH", "/v1",
	))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 3000 || c.Host != "0.0.0.0" || c.ReadinessCheckPort != 3001 || c.ReadinessCheckPath != "/up" ||
		c.ReadinessCheckProtocol != ProtocolTCP || !c.AsyncInit || c.RemoveBasePath != "/v1" {
		t.Errorf("aliases not read: %+v", c)
	}
	// PORT is a supported fallback, not a deprecated alias.
	if len(warn) != 6 || slices.ContainsFunc(warn, func(w string) bool { return strings.HasPrefix(w, "PORT ") }) {
		t.Errorf("want one deprecation warning per alias but PORT, got %q", warn)
	}
	for _, w := range warn {
		if !strings.Contains(w, "deprecated: use AWS_LWA_") {
			t.Errorf("warning %q", w)
		}
	}
}

func TestPrecedence(t *testing.T) {
	c, warn, err := FromEnv(env("AWS_LWA_PORT", "3000", "PORT", "4000", "AWS_LWA_HOST", "127.0.0.2", "HOST", "10.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 3000 || c.Host != "127.0.0.2" {
		t.Errorf("AWS_LWA_ must win: %d %s", c.Port, c.Host)
	}
	if len(warn) != 0 {
		t.Errorf("no alias was used, warnings %q", warn)
	}
	// The readiness port follows the app port unless set.
	if c.ReadinessCheckPort != 3000 {
		t.Errorf("readiness port %d", c.ReadinessCheckPort)
	}
	// An empty AWS_LWA_ value does not hide the alias.
	c, _, err = FromEnv(env("AWS_LWA_PORT", "", "PORT", "4000"))
	if err != nil || c.Port != 4000 {
		t.Errorf("empty AWS_LWA_PORT: %d %v", c.Port, err)
	}
}

func TestSnapStartAndInitTypes(t *testing.T) {
	c, warn, err := FromEnv(env("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start", "AWS_LWA_ASYNC_INIT", "true"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.SnapStart() || c.PoolEnabled || c.AsyncInit {
		t.Errorf("snap-start: pooling %v, async %v", c.PoolEnabled, c.AsyncInit)
	}
	if len(warn) != 1 || !strings.Contains(warn[0], "AWS_LWA_ASYNC_INIT is ignored") {
		t.Errorf("warnings %q", warn)
	}
	c, _, _ = FromEnv(env("AWS_LAMBDA_INITIALIZATION_TYPE", "provisioned-concurrency", "AWS_LWA_ASYNC_INIT", "true"))
	if c.AsyncInit {
		t.Error("async init kept under provisioned concurrency")
	}
	c, _, _ = FromEnv(env("AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS", "0"))
	if c.PoolEnabled {
		t.Error("pool idle timeout 0 must disable pooling")
	}
}

func TestInvalidValues(t *testing.T) {
	cases := []struct {
		kv   []string
		want string // the message names the variable, the value and what is accepted
	}{
		{[]string{"AWS_LWA_PORT", "0"}, `invalid AWS_LWA_PORT="0": accepted: a port number from 1 to 65535`},
		{[]string{"AWS_LWA_PORT", "abc"}, `invalid AWS_LWA_PORT="abc": accepted: a port number from 1 to 65535`},
		{[]string{"AWS_LWA_PORT", "65536"}, `invalid AWS_LWA_PORT="65536"`},
		{[]string{"PORT", "-1"}, `invalid PORT="-1"`},
		{[]string{"AWS_LWA_HOST", "a b"}, `invalid AWS_LWA_HOST="a b": accepted: an IPv4 or IPv6 address or a host name`},
		{[]string{"AWS_LWA_READINESS_CHECK_PORT", "99999"}, `invalid AWS_LWA_READINESS_CHECK_PORT="99999"`},
		{[]string{"AWS_LWA_READINESS_CHECK_PATH", "health"}, `invalid AWS_LWA_READINESS_CHECK_PATH="health": accepted: a URL path starting with /`},
		{[]string{"READINESS_CHECK_PATH", "health"}, `invalid READINESS_CHECK_PATH="health"`},
		{[]string{"AWS_LWA_READINESS_CHECK_PROTOCOL", "udp"}, `invalid AWS_LWA_READINESS_CHECK_PROTOCOL="udp": accepted: http or tcp (any case)`},
		{[]string{"AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "200-"}, `invalid AWS_LWA_READINESS_CHECK_HEALTHY_STATUS="200-": accepted: a comma-separated list of HTTP status codes`},
		{[]string{"AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "399-200"}, `range "399-200" is reversed`},
		{[]string{"AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "abc"}, `"abc" is not a status code from 100 to 599`},
		{[]string{"AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "NaN"}, `invalid AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS="NaN": accepted: a positive number of seconds`},
		{[]string{"AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "1e9"}, `invalid AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS="1e9"`},
		{[]string{"AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "soon"}, `invalid AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS="soon"`},
		{[]string{"AWS_LWA_ASYNC_INIT", "yes"}, `invalid AWS_LWA_ASYNC_INIT="yes": accepted: true or false`},
		{[]string{"AWS_LWA_REMOVE_BASE_PATH", "api"}, `invalid AWS_LWA_REMOVE_BASE_PATH="api"`},
		{[]string{"AWS_LWA_PASS_THROUGH_PATH", "ev ents"}, `invalid AWS_LWA_PASS_THROUGH_PATH="ev ents"`},
		{[]string{"AWS_LWA_READINESS_CHECK_PATH", "/health?a b"}, `invalid AWS_LWA_READINESS_CHECK_PATH="/health?a b": accepted: a URL path starting with /, with an optional ?query`},
		{[]string{"AWS_LWA_READINESS_CHECK_PATH", "/health#x"}, `invalid AWS_LWA_READINESS_CHECK_PATH="/health#x"`},
		{[]string{"AWS_LWA_AUTHORIZATION_SOURCE", "bad header"}, `invalid AWS_LWA_AUTHORIZATION_SOURCE="bad header": accepted: an HTTP header name`},
		{[]string{"AWS_LWA_ERROR_STATUS_CODES", "5xx"}, `invalid AWS_LWA_ERROR_STATUS_CODES="5xx"`},
		{[]string{"AWS_LWA_ENABLE_COMPRESSION", "on"}, `invalid AWS_LWA_ENABLE_COMPRESSION="on"`},
		{[]string{"AWS_LWA_INVOKE_MODE", "stream"}, `invalid AWS_LWA_INVOKE_MODE="stream": accepted: buffered or response_stream`},
		{[]string{"AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS", "-1"}, `invalid AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS="-1": accepted: a number of seconds ≥ 0`},
		{[]string{"AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "nope"}, `invalid AWS_LWA_LAMBDA_RUNTIME_API_PROXY="nope": accepted: host:port or http://host:port, with a port from 1 to 65535`},
		{[]string{"AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "https://127.0.0.1:9002"}, `invalid AWS_LWA_LAMBDA_RUNTIME_API_PROXY="https://127.0.0.1:9002"`},
		{[]string{"AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "http://127.0.0.1:9002/x"}, `invalid AWS_LWA_LAMBDA_RUNTIME_API_PROXY="http://127.0.0.1:9002/x"`},
		{[]string{"AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "127.0.0.1:0"}, `invalid AWS_LWA_LAMBDA_RUNTIME_API_PROXY="127.0.0.1:0"`},
		{[]string{"AWS_LAMBDA_RUNTIME_API", "localhost:0"}, `invalid AWS_LAMBDA_RUNTIME_API="localhost:0"`},
		{[]string{"AWS_LAMBDA_MAX_CONCURRENCY", "0"}, `invalid AWS_LAMBDA_MAX_CONCURRENCY="0": accepted: an integer from 1 to 1024`},
		{[]string{"AWS_LAMBDA_LOG_LEVEL", "loud"}, `invalid AWS_LAMBDA_LOG_LEVEL="loud": accepted: TRACE, DEBUG, INFO, WARN, ERROR or FATAL`},
		{[]string{"AWS_LAMBDA_LOG_FORMAT", "xml"}, `invalid AWS_LAMBDA_LOG_FORMAT="xml": accepted: JSON or Text`},
	}
	for _, tc := range cases {
		t.Run(tc.kv[0]+"="+tc.kv[1], func(t *testing.T) {
			_, _, err := FromEnv(env(tc.kv...))
			if err == nil {
				t.Fatal("accepted")
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Var != tc.kv[0] {
				t.Errorf("error %v does not name %s", err, tc.kv[0])
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestMissingRuntimeAPI(t *testing.T) {
	_, _, err := FromEnv(MapLookup(nil))
	if err == nil || !strings.Contains(err.Error(), "AWS_LAMBDA_RUNTIME_API") {
		t.Fatalf("err %v", err)
	}
}

func TestAPIAddressesSurviveLaterErrors(t *testing.T) {
	c, _, err := FromEnv(env("AWS_LWA_PORT", "abc"))
	if err == nil {
		t.Fatal("accepted")
	}
	if c.ExtensionsAPI != "127.0.0.1:9001" || c.RuntimeAPI != "127.0.0.1:9001" {
		t.Errorf("the caller needs the API addresses to report the error: %+v", c)
	}
}

func TestStatusSet(t *testing.T) {
	s, err := ParseStatusSet("200-399,404, 500 - 503")
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[int]bool{199: false, 200: true, 302: true, 399: true, 400: false, 404: true, 500: true, 503: true, 504: false} {
		if s.Contains(code) != want {
			t.Errorf("Contains(%d) = %v", code, !want)
		}
	}
	for _, bad := range []string{"", ",", " , ", "99", "600", "2000", "200-abc", "-200", "300-200", "20x"} {
		if _, err := ParseStatusSet(bad); err == nil {
			t.Errorf("ParseStatusSet(%q) accepted", bad)
		}
	}
}

func FuzzConfig(f *testing.F) {
	f.Add("8080", "/", "200-399", "1.5", "true")
	f.Add("abc", "x", "999", "-1", "maybe")
	f.Fuzz(func(t *testing.T, port, path, status, secs, b string) {
		c, _, err := FromEnv(env("AWS_LWA_PORT", port, "AWS_LWA_READINESS_CHECK_PATH", path,
			"AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", status, "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", secs,
			"AWS_LWA_ASYNC_INIT", b, "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH", path))
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.Var == "" {
				t.Fatalf("error without a variable: %v", err)
			}
			return
		}
		if c.Port < 1 || c.Port > 65535 || !strings.HasPrefix(c.ReadinessCheckPath, "/") || len(c.HealthyStatus) == 0 {
			t.Fatalf("accepted an invalid config: %+v", c)
		}
	})
}

func FuzzStatusSet(f *testing.F) {
	f.Add("200-399,404")
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseStatusSet(s)
		if err != nil {
			return
		}
		again, err := ParseStatusSet(set.String())
		if err != nil || !reflect.DeepEqual(set, again) {
			t.Fatalf("%q → %q does not round-trip: %v", s, set.String(), err)
		}
	})
}

func TestMinUnhealthyStatusCompat(t *testing.T) {
	c, warn, err := FromEnv(env("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "400"))
	if err != nil {
		t.Fatal(err)
	}
	if c.HealthyStatus.String() != "100-399" || len(warn) != 1 || !strings.Contains(warn[0], "HEALTHY_STATUS=100-399") {
		t.Errorf("healthy %s, warnings %q", c.HealthyStatus, warn)
	}
	// The current variable wins.
	c, _, _ = FromEnv(env("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "400", "AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "200"))
	if c.HealthyStatus.String() != "200" {
		t.Errorf("healthy %s", c.HealthyStatus)
	}
	_, _, err = FromEnv(env("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "abc"))
	if err == nil || !strings.Contains(err.Error(), `invalid AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS="abc"`) {
		t.Errorf("err %v", err)
	}
}

// AWS's adapter documents 0 and negative values of the readiness timeout as "no bound"; a
// configuration carried over with one of them must start, not fail.
func TestReadinessTimeoutZeroOrNegativeIsUnbounded(t *testing.T) {
	for _, v := range []string{"0", "0.0", "-1", " -2.5 "} {
		c, _, err := FromEnv(env("AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", v))
		if err != nil || c.ReadinessCheckTimeout != 0 {
			t.Errorf("%q: timeout %v, err %v; want no bound", v, c.ReadinessCheckTimeout, err)
		}
	}
	c, _, err := FromEnv(env("AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "0.25"))
	if err != nil || c.ReadinessCheckTimeout != 250*time.Millisecond {
		t.Errorf("0.25: timeout %v, err %v", c.ReadinessCheckTimeout, err)
	}
}

// AWS's adapter documents the Runtime API proxy both as host:port and as an http:// URL.
func TestRuntimeAPIProxyForms(t *testing.T) {
	for v, want := range map[string]string{
		"127.0.0.1:9002":         "127.0.0.1:9002",
		"http://127.0.0.1:9002":  "127.0.0.1:9002",
		"HTTP://127.0.0.1:9002/": "127.0.0.1:9002",
		" http://[::1]:9002 ":    "[::1]:9002",
	} {
		c, _, err := FromEnv(env("AWS_LWA_LAMBDA_RUNTIME_API_PROXY", v))
		if err != nil || c.RuntimeAPI != want {
			t.Errorf("%q: RuntimeAPI %q, err %v; want %q", v, c.RuntimeAPI, err, want)
		}
		if c.ExtensionsAPI == c.RuntimeAPI {
			t.Errorf("%q: the Extensions API moved with the proxy", v)
		}
	}
}

// Without AWS_LAMBDA_LOG_LEVEL, AWS's adapter takes its level from RUST_LOG; a filter meant for
// another program neither fails Init nor changes the level.
func TestRustLogFallback(t *testing.T) {
	for v, want := range map[string]slog.Level{
		"debug":                               slog.LevelDebug,
		"TRACE":                               slog.LevelDebug,
		"warn":                                slog.LevelWarn,
		"hyper=info,lambda_web_adapter=debug": slog.LevelDebug,
		"error,lambda_web_adapter=warn":       slog.LevelWarn,
		"my_app=debug":                        slog.LevelInfo,
		"not a level":                         slog.LevelInfo,
		"off":                                 slog.LevelError,
	} {
		c, _, err := FromEnv(env("RUST_LOG", v))
		if err != nil || c.LogLevel != want {
			t.Errorf("RUST_LOG=%q: level %v, err %v; want %v", v, c.LogLevel, err, want)
		}
	}
	c, _, err := FromEnv(env("RUST_LOG", "debug", "AWS_LAMBDA_LOG_LEVEL", "ERROR"))
	if err != nil || c.LogLevel != slog.LevelError {
		t.Errorf("AWS_LAMBDA_LOG_LEVEL must win over RUST_LOG: level %v, err %v", c.LogLevel, err)
	}
}

// What AWS's adapter accepts and a switched configuration may carry: a readiness path with a
// query, a trailing comma in a status list, app paths without their leading slash (with a
// warning), PORT without a deprecation warning.
func TestRustAdapterSpellings(t *testing.T) {
	c, warn, err := FromEnv(env(
		"PORT", "3000",
		"AWS_LWA_READINESS_CHECK_PATH", "/health?deep=1&x=%20y",
		"AWS_LWA_ERROR_STATUS_CODES", "500,502-504,",
		"AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", " 200-399 , ",
		"AWS_LWA_PASS_THROUGH_PATH", "sqs",
		"AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "hooks/before",
		"AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH", "/hooks/after",
	))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 3000 || c.ReadinessCheckPath != "/health?deep=1&x=%20y" || c.ErrorStatusCodes.String() != "500,502-504" ||
		c.HealthyStatus.String() != "200-399" || c.PassThroughPath != "/sqs" ||
		c.BeforeCheckpointPath != "/hooks/before" || c.AfterRestorePath != "/hooks/after" {
		t.Errorf("read as %+v", c)
	}
	joined := strings.Join(warn, "\n")
	if len(warn) != 2 || !strings.Contains(joined, `AWS_LWA_PASS_THROUGH_PATH="sqs" has no leading slash: using "/sqs"`) ||
		!strings.Contains(joined, `AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH="hooks/before" has no leading slash`) {
		t.Errorf("warnings %q", warn)
	}
}

// With async init the readiness timeout does not apply (AWS's adapter behaves so), and says so;
// under SnapStart async init is off and the timeout applies.
func TestAsyncInitIgnoresReadinessTimeout(t *testing.T) {
	c, warn, err := FromEnv(env("AWS_LWA_ASYNC_INIT", "true", "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "5"))
	if err != nil || !c.AsyncInit || c.ReadinessCheckTimeout != 0 {
		t.Fatalf("async %v timeout %v err %v", c.AsyncInit, c.ReadinessCheckTimeout, err)
	}
	if len(warn) != 1 || !strings.Contains(warn[0], "does not apply with AWS_LWA_ASYNC_INIT") {
		t.Errorf("warnings %q", warn)
	}
	c, _, err = FromEnv(env("AWS_LWA_ASYNC_INIT", "true", "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "5",
		"AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start"))
	if err != nil || c.AsyncInit || c.ReadinessCheckTimeout != 5*time.Second {
		t.Errorf("snap-start: async %v timeout %v err %v", c.AsyncInit, c.ReadinessCheckTimeout, err)
	}
}
