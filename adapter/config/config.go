// Package config reads the adapter's settings from the environment, once, into a Config.
//
// Names and defaults match AWS's Rust adapter (aws-lambda-web-adapter) so that its users can switch
// without edits. Every invalid value is an error naming the variable, the value and what is accepted:
// there is no silent fallback to a default.
package config

import (
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/lwa-go/lwa/adapter/event"
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

// The variables FromEnv reads, in one place: KnownVars must list every AWS_LWA_ name here (a test
// reads this file), and the README's configuration table documents them. Deprecated aliases are in
// known.go.
const (
	// Set by Lambda.
	envRuntimeAPI     = "AWS_LAMBDA_RUNTIME_API"
	envInitType       = "AWS_LAMBDA_INITIALIZATION_TYPE"
	envMaxConcurrency = "AWS_LAMBDA_MAX_CONCURRENCY"
	envFunctionName   = "AWS_LAMBDA_FUNCTION_NAME"
	envFunctionVer    = "AWS_LAMBDA_FUNCTION_VERSION"
	envMemorySize     = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
	envLogStream      = "AWS_LAMBDA_LOG_STREAM_NAME"
	envLogGroup       = "AWS_LAMBDA_LOG_GROUP_NAME"
	envLogLevel       = "AWS_LAMBDA_LOG_LEVEL"
	envLogFormat      = "AWS_LAMBDA_LOG_FORMAT"
	envRustLog        = "RUST_LOG" // AWS's adapter's level when AWS_LAMBDA_LOG_LEVEL is unset

	// The adapter's own.
	envRuntimeAPIProxy     = "AWS_LWA_LAMBDA_RUNTIME_API_PROXY"
	envPort                = "AWS_LWA_PORT"
	envHost                = "AWS_LWA_HOST"
	envReadinessPort       = "AWS_LWA_READINESS_CHECK_PORT"
	envReadinessPath       = "AWS_LWA_READINESS_CHECK_PATH"
	envReadinessProtocol   = "AWS_LWA_READINESS_CHECK_PROTOCOL"
	envHealthyStatus       = "AWS_LWA_READINESS_CHECK_HEALTHY_STATUS"
	envMinUnhealthyStatus  = "AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS"
	envReadinessTimeout    = "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS"
	envAsyncInit           = "AWS_LWA_ASYNC_INIT"
	envRemoveBasePath      = "AWS_LWA_REMOVE_BASE_PATH"
	envPassThroughPath     = "AWS_LWA_PASS_THROUGH_PATH"
	envAuthorizationSource = "AWS_LWA_AUTHORIZATION_SOURCE"
	envErrorStatusCodes    = "AWS_LWA_ERROR_STATUS_CODES"
	envEnableCompression   = "AWS_LWA_ENABLE_COMPRESSION"
	envInvokeMode          = "AWS_LWA_INVOKE_MODE"
	envPoolIdleTimeout     = "AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS"
	envBeforeCheckpoint    = "AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH"
	envAfterRestore        = "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH"
)

// FromEnv reads and validates the configuration. The warnings are for deprecated aliases and for
// settings that have no effect in combination; the caller logs them once.
//
// The concerns are read in a fixed order and the first invalid variable stops the reading, so the
// error reported does not depend on what else is set. The Lambda API addresses come first: even
// when a later variable is invalid, the caller needs them to report the error to Lambda.
func FromEnv(lookup Lookup) (Config, []string, error) {
	r := newReader(lookup)
	c := defaults()
	for _, read := range []func(*reader, *Config) error{
		readLambdaAPIs,
		readApp,
		readReadiness,
		readInvocation,
		readPool,
		readHooks,
		readFunction,
		readLogging,
	} {
		if err := read(r, &c); err != nil {
			return c, nil, err
		}
	}
	resolveCombinations(r, &c)
	r.warnings = append(r.warnings, unknownWarnings(lookup)...)
	return c, r.warnings, nil
}

// defaults is the configuration of an environment that sets nothing but what Lambda sets.
func defaults() Config {
	return Config{
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
}

// readApp reads where the app listens.
func readApp(r *reader, c *Config) error {
	if err := setVar(r, envPort, &c.Port, parsePort); err != nil {
		return err
	}
	return setVar(r, envHost, &c.Host, parseHost)
}

// resolveCombinations drops the settings that have no effect together with others, each with a
// warning.
func resolveCombinations(r *reader, c *Config) {
	if c.EnableCompression && c.InvokeMode == InvokeResponseStream {
		r.warnf("AWS_LWA_ENABLE_COMPRESSION has no effect with AWS_LWA_INVOKE_MODE=response_stream: responses are streamed uncompressed")
	}
	if c.AsyncInit && (c.InitializationType == InitSnapStart || c.InitializationType == InitProvisionedConcurrency) {
		r.warnf("AWS_LWA_ASYNC_INIT is ignored with AWS_LAMBDA_INITIALIZATION_TYPE=%s: finishing Init early would snapshot or serve a half-started app", c.InitializationType)
		c.AsyncInit = false
	}
	if c.AsyncInit && c.ReadinessCheckTimeout > 0 {
		// As in AWS's adapter: async init has its own bound (Init ends at 9.8 s) and then waits on
		// the first invocation. A timeout expiring after Init could only fail every invocation of
		// an environment Lambda would never replace.
		r.warnf("AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS does not apply with AWS_LWA_ASYNC_INIT=true: Init ends at 9.8 s and the first invocation waits for the app")
		c.ReadinessCheckTimeout = 0
	}
}
