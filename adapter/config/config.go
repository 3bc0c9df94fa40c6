// Package config reads the adapter's settings from the environment, once, into a Config.
//
// Names and defaults match AWS's Rust adapter (aws-lambda-web-adapter) so that its users can switch
// without edits. Every invalid value is an error naming the variable, the value and what is accepted:
// there is no silent fallback to a default.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/lwa-go/lwa/adapter/event"
	"github.com/lwa-go/lwa/adapter/internal/httpsyntax"
)

// Protocol is the readiness check protocol.
type Protocol string

// Readiness check protocols.
const (
	ProtocolHTTP Protocol = "http"
	ProtocolTCP  Protocol = "tcp"
)

// InvokeMode says how responses go back to Lambda.
type InvokeMode string

// Invoke modes.
const (
	InvokeBuffered       InvokeMode = "buffered"
	InvokeResponseStream InvokeMode = "response_stream"
)

// Initialization types Lambda reports in AWS_LAMBDA_INITIALIZATION_TYPE.
const (
	InitProvisionedConcurrency = "provisioned-concurrency"
	InitSnapStart              = "snap-start"
)

// Config is everything the adapter reads from its environment.
type Config struct {
	// The app.
	Host string // host the app listens on; an IPv6 literal is kept without brackets
	Port int

	// Readiness check.
	ReadinessCheckPort     int
	ReadinessCheckPath     string
	ReadinessCheckProtocol Protocol
	HealthyStatus          StatusSet
	ReadinessCheckTimeout  time.Duration // 0: wait for ever
	AsyncInit              bool

	// Request translation.
	RemoveBasePath      string
	PassThroughPath     string
	AuthorizationSource string
	ErrorStatusCodes    StatusSet // empty: no status fails the invocation
	EnableCompression   bool
	InvokeMode          InvokeMode

	// Connections to the app.
	PoolIdleTimeout time.Duration // 0: a new connection per request
	PoolEnabled     bool

	// Lambda.
	ExtensionsAPI      string // AWS_LAMBDA_RUNTIME_API: the Extensions API is always reached here
	RuntimeAPI         string // AWS_LWA_LAMBDA_RUNTIME_API_PROXY, else AWS_LAMBDA_RUNTIME_API
	MaxConcurrency     int    // AWS_LAMBDA_MAX_CONCURRENCY; 1 unless Lambda Managed Instances
	InitializationType string // AWS_LAMBDA_INITIALIZATION_TYPE

	// SnapStart hooks: app paths POSTed before the snapshot and after a restore.
	BeforeCheckpointPath string
	AfterRestorePath     string

	// The function, for x-amzn-lambda-context.
	FunctionName    string
	FunctionVersion string
	MemorySizeMB    int
	LogStreamName   string
	LogGroupName    string

	// Logs.
	LogLevel slog.Level
	LogJSON  bool
}

// SnapStart reports whether this environment will be snapshotted after Init.
func (c Config) SnapStart() bool { return c.InitializationType == InitSnapStart }

// AppAddr is the app's host:port for requests.
func (c Config) AppAddr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// ReadinessAddr is the host:port the readiness check probes.
func (c Config) ReadinessAddr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.ReadinessCheckPort))
}

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

// reader reads variables and records which deprecated aliases were used.
type reader struct {
	lookup   Lookup
	warnings []string
}

// get returns the first of names that is set and non-empty, and which one it was. A later name is an
// alias: using it adds one deprecation warning.
func (r *reader) get(names ...string) (string, string, bool) {
	for i, n := range names {
		v, ok := r.lookup(n)
		if !ok || v == "" {
			continue
		}
		// PORT is a supported fallback, not a deprecated alias (AWS's adapter says so too).
		if i > 0 && strings.HasPrefix(names[0], "AWS_LWA_") && n != "PORT" {
			r.warnings = append(r.warnings, fmt.Sprintf("%s is deprecated: use %s", n, names[0]))
		}
		return v, n, true
	}
	return "", names[0], false
}

// FromEnv reads and validates the configuration. The warnings are for deprecated aliases and for
// settings that have no effect in combination; the caller logs them once.
func FromEnv(lookup Lookup) (Config, []string, error) {
	r := &reader{lookup: lookup}
	c := Config{
		Host:                   "127.0.0.1",
		Port:                   8080,
		ReadinessCheckPath:     "/",
		ReadinessCheckProtocol: ProtocolHTTP,
		HealthyStatus:          StatusSet{{100, 499}},
		PassThroughPath:        event.DefaultPassThroughPath,
		InvokeMode:             InvokeBuffered,
		PoolIdleTimeout:        4 * time.Second,
		MaxConcurrency:         1,
		LogLevel:               slog.LevelInfo,
	}
	var err error
	// The Lambda API addresses come first: even when a later variable is invalid, the caller needs
	// them to report the error to Lambda.
	v, name, ok := r.get("AWS_LAMBDA_RUNTIME_API")
	if !ok {
		return c, nil, &Error{Var: name, Value: "", Accepted: "host:port of the Lambda Runtime API (set by Lambda)"}
	}
	if c.ExtensionsAPI, err = parseHostPort(name, v); err != nil {
		return c, nil, err
	}
	c.RuntimeAPI = c.ExtensionsAPI
	if v, name, ok := r.get("AWS_LWA_LAMBDA_RUNTIME_API_PROXY"); ok {
		// AWS's adapter documents both 127.0.0.1:9002 and http://127.0.0.1:9002.
		hp := strings.TrimSpace(v)
		if len(hp) >= 7 && strings.EqualFold(hp[:7], "http://") {
			hp = strings.TrimSuffix(hp[7:], "/")
		}
		proxy, err := parseHostPort(name, hp)
		if err != nil {
			return c, nil, &Error{Var: name, Value: v, Accepted: "host:port or http://host:port, with a port from 1 to 65535"}
		}
		c.RuntimeAPI = proxy
	}
	if v, name, ok := r.get("AWS_LWA_PORT", "PORT"); ok {
		if c.Port, err = parsePort(name, v); err != nil {
			return c, nil, err
		}
	}
	if v, name, ok := r.get("AWS_LWA_HOST", "HOST"); ok {
		if c.Host, err = parseHost(name, v); err != nil {
			return c, nil, err
		}
	}
	c.ReadinessCheckPort = c.Port
	if v, name, ok := r.get("AWS_LWA_READINESS_CHECK_PORT", "READINESS_CHECK_PORT"); ok {
		if c.ReadinessCheckPort, err = parsePort(name, v); err != nil {
			return c, nil, err
		}
	}
	if v, name, ok := r.get("AWS_LWA_READINESS_CHECK_PATH", "READINESS_CHECK_PATH"); ok {
		if c.ReadinessCheckPath, err = parseReadinessPath(name, v); err != nil {
			return c, nil, err
		}
	}
	if v, name, ok := r.get("AWS_LWA_READINESS_CHECK_PROTOCOL", "READINESS_CHECK_PROTOCOL"); ok {
		switch Protocol(strings.ToLower(strings.TrimSpace(v))) {
		case ProtocolHTTP:
			c.ReadinessCheckProtocol = ProtocolHTTP
		case ProtocolTCP:
			c.ReadinessCheckProtocol = ProtocolTCP
		default:
			return c, nil, &Error{Var: name, Value: v, Accepted: "http or tcp (any case)"}
		}
	}
	if v, name, ok := r.get("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS"); ok {
		if c.HealthyStatus, err = ParseStatusSet(v); err != nil {
			return c, nil, &Error{Var: name, Value: v, Accepted: statusGrammar, Err: err}
		}
	} else if v, name, ok := r.get("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS"); ok {
		// The Rust adapter's older form, kept so its users switch without edits: healthy is
		// 100 up to (not including) this status.
		n, perr := strconv.Atoi(strings.TrimSpace(v))
		if perr != nil || n < 101 || n > 600 {
			return c, nil, &Error{Var: name, Value: v, Accepted: "a status code from 101 to 600 (healthy is 100 up to it, exclusive)"}
		}
		c.HealthyStatus = StatusSet{{100, n - 1}}
		r.warnings = append(r.warnings, fmt.Sprintf("%s is deprecated: use AWS_LWA_READINESS_CHECK_HEALTHY_STATUS=100-%d", name, n-1))
	}
	if v, name, ok := r.get("AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS"); ok {
		// 0 or a negative number means no bound, as AWS's adapter documents it; what is not a
		// number fails.
		if f, perr := strconv.ParseFloat(strings.TrimSpace(v), 64); perr == nil && f <= 0 {
			c.ReadinessCheckTimeout = 0
		} else if c.ReadinessCheckTimeout, err = parseSeconds(name, v, false); err != nil {
			return c, nil, err
		}
	}
	if v, name, ok := r.get("AWS_LWA_ASYNC_INIT", "ASYNC_INIT"); ok {
		if c.AsyncInit, err = parseBool(name, v); err != nil {
			return c, nil, err
		}
	}
	if v, name, ok := r.get("AWS_LWA_REMOVE_BASE_PATH", "REMOVE_BASE_PATH"); ok {
		if c.RemoveBasePath, err = parsePath(name, v); err != nil {
			return c, nil, err
		}
		c.RemoveBasePath = strings.TrimRight(c.RemoveBasePath, "/")
	}
	if v, name, ok := r.get("AWS_LWA_PASS_THROUGH_PATH"); ok {
		if c.PassThroughPath, err = parsePath(name, r.rooted(name, v)); err != nil {
			return c, nil, &Error{Var: name, Value: v, Accepted: pathAccepted}
		}
	}
	if v, name, ok := r.get("AWS_LWA_AUTHORIZATION_SOURCE"); ok {
		v = strings.TrimSpace(v)
		if !httpsyntax.IsToken(v) {
			return c, nil, &Error{Var: name, Value: v, Accepted: "an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"}
		}
		c.AuthorizationSource = v
	}
	if v, name, ok := r.get("AWS_LWA_ERROR_STATUS_CODES"); ok {
		if c.ErrorStatusCodes, err = ParseStatusSet(v); err != nil {
			return c, nil, &Error{Var: name, Value: v, Accepted: statusGrammar, Err: err}
		}
	}
	if v, name, ok := r.get("AWS_LWA_ENABLE_COMPRESSION"); ok {
		if c.EnableCompression, err = parseBool(name, v); err != nil {
			return c, nil, err
		}
	}
	if v, name, ok := r.get("AWS_LWA_INVOKE_MODE"); ok {
		switch InvokeMode(strings.ToLower(strings.TrimSpace(v))) {
		case InvokeBuffered:
			c.InvokeMode = InvokeBuffered
		case InvokeResponseStream:
			c.InvokeMode = InvokeResponseStream
		default:
			return c, nil, &Error{Var: name, Value: v, Accepted: "buffered or response_stream"}
		}
	}
	if v, name, ok := r.get("AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS"); ok {
		if c.PoolIdleTimeout, err = parseSeconds(name, v, true); err != nil {
			return c, nil, err
		}
	}
	// Lambda may add initialization types; an unknown one must not stop a function from starting.
	c.InitializationType, _, _ = r.get("AWS_LAMBDA_INITIALIZATION_TYPE")
	// Connections captured in a snapshot are dead after restore, so SnapStart never pools.
	c.PoolEnabled = c.PoolIdleTimeout > 0 && !c.SnapStart()

	if v, name, ok := r.get("AWS_LAMBDA_MAX_CONCURRENCY"); ok {
		n, perr := strconv.Atoi(strings.TrimSpace(v))
		if perr != nil || n < 1 || n > 1024 {
			return c, nil, &Error{Var: name, Value: v, Accepted: "an integer from 1 to 1024"}
		}
		c.MaxConcurrency = n
	}
	if v, name, ok := r.get("AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH"); ok {
		if c.BeforeCheckpointPath, err = parseHookPath(name, r.rooted(name, v), c.PassThroughPath); err != nil {
			return c, nil, asSet(err, v)
		}
	}
	if v, name, ok := r.get("AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH"); ok {
		if c.AfterRestorePath, err = parseHookPath(name, r.rooted(name, v), c.PassThroughPath); err != nil {
			return c, nil, asSet(err, v)
		}
	}

	c.FunctionName, _, _ = r.get("AWS_LAMBDA_FUNCTION_NAME")
	c.FunctionVersion, _, _ = r.get("AWS_LAMBDA_FUNCTION_VERSION")
	c.LogStreamName, _, _ = r.get("AWS_LAMBDA_LOG_STREAM_NAME")
	c.LogGroupName, _, _ = r.get("AWS_LAMBDA_LOG_GROUP_NAME")
	if v, _, ok := r.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"); ok {
		// Set by Lambda, informational only: a value we cannot read is reported as 0.
		c.MemorySizeMB, _ = strconv.Atoi(v)
	}

	if v, name, ok := r.get("AWS_LAMBDA_LOG_LEVEL"); ok {
		if c.LogLevel, err = parseLogLevel(name, v); err != nil {
			return c, nil, err
		}
	} else if v, _, ok := r.get("RUST_LOG"); ok {
		// AWS's adapter falls back to RUST_LOG. It is not ours alone (a Rust app in the same
		// function reads it too), so a filter this adapter does not understand is left alone.
		if lvl, found := rustLogLevel(v); found {
			c.LogLevel = lvl
		}
	}
	if v, name, ok := r.get("AWS_LAMBDA_LOG_FORMAT"); ok {
		switch strings.ToUpper(strings.TrimSpace(v)) {
		case "JSON":
			c.LogJSON = true
		case "TEXT":
		default:
			return c, nil, &Error{Var: name, Value: v, Accepted: "JSON or Text"}
		}
	}

	if c.EnableCompression && c.InvokeMode == InvokeResponseStream {
		r.warnings = append(r.warnings, "AWS_LWA_ENABLE_COMPRESSION has no effect with AWS_LWA_INVOKE_MODE=response_stream: responses are streamed uncompressed")
	}
	if c.AsyncInit && (c.InitializationType == InitSnapStart || c.InitializationType == InitProvisionedConcurrency) {
		r.warnings = append(r.warnings, fmt.Sprintf("AWS_LWA_ASYNC_INIT is ignored with AWS_LAMBDA_INITIALIZATION_TYPE=%s: finishing Init early would snapshot or serve a half-started app", c.InitializationType))
		c.AsyncInit = false
	}
	if c.AsyncInit && c.ReadinessCheckTimeout > 0 {
		// As in AWS's adapter: async init has its own bound (Init ends at 9.8 s) and then waits on
		// the first invocation. A timeout expiring after Init could only fail every invocation of
		// an environment Lambda would never replace.
		r.warnings = append(r.warnings, "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS does not apply with AWS_LWA_ASYNC_INIT=true: Init ends at 9.8 s and the first invocation waits for the app")
		c.ReadinessCheckTimeout = 0
	}
	r.warnings = append(r.warnings, unknownWarnings(lookup)...)
	return c, r.warnings, nil
}

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
	if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, " \t\r\n?#") || httpsyntax.HasControl(v) {
		return "", &Error{Var: name, Value: v, Accepted: pathAccepted}
	}
	return v, nil
}

// parseReadinessPath is a path with an optional query ("/health?deep=1"), sent as it is.
func parseReadinessPath(name, v string) (string, error) {
	p, q, _ := strings.Cut(v, "?")
	if _, err := parsePath(name, p); err != nil || strings.ContainsAny(q, " \t\r\n#") || httpsyntax.HasControl(q) {
		return "", &Error{Var: name, Value: v, Accepted: "a URL path starting with /, with an optional ?query (no spaces or #)"}
	}
	return v, nil
}

// asSet makes a configuration error show the value as it was set.
func asSet(err error, v string) error {
	var ce *Error
	if errors.As(err, &ce) {
		ce.Value = v
	}
	return err
}

// rooted gives an app path its leading slash, as AWS's adapter does for the pass-through and
// SnapStart hook paths (it sets them as a URL's path), with a warning.
func (r *reader) rooted(name, v string) string {
	if v == "" || strings.HasPrefix(v, "/") {
		return v
	}
	r.warnings = append(r.warnings, fmt.Sprintf("%s=%q has no leading slash: using %q", name, v, "/"+v))
	return "/" + v
}

func parseBool(name, v string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, &Error{Var: name, Value: v, Accepted: "true or false (also 1, 0, t, f, TRUE, FALSE, True, False)"}
	}
	return b, nil
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

// rustLogLevel reads the level RUST_LOG gives AWS's adapter: a bare level ("debug"), or the
// directive for its crate ("lambda_web_adapter=debug") among others.
func rustLogLevel(v string) (slog.Level, bool) {
	level := ""
	for _, d := range strings.Split(v, ",") {
		d = strings.TrimSpace(d)
		if target, lvl, ok := strings.Cut(d, "="); ok {
			if strings.TrimSpace(target) == "lambda_web_adapter" {
				level = lvl
			}
		} else if level == "" {
			level = d
		}
	}
	if strings.EqualFold(strings.TrimSpace(level), "off") {
		return slog.LevelError, true
	}
	lvl, err := parseLogLevel("RUST_LOG", level)
	return lvl, err == nil
}

func parseLogLevel(name, v string) (slog.Level, error) {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug, nil
	case "INFO":
		return slog.LevelInfo, nil
	case "WARN", "WARNING":
		return slog.LevelWarn, nil
	case "ERROR", "FATAL":
		return slog.LevelError, nil
	}
	return 0, &Error{Var: name, Value: v, Accepted: "TRACE, DEBUG, INFO, WARN, ERROR or FATAL"}
}
