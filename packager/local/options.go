package local

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Options are one local run: the function, its processes and the front door.
type Options struct {
	// Adapter is the adapter binary, built for this machine.
	Adapter string
	// Command starts the app as the function's runtime (an image's entrypoint). Either Command or
	// Handler is set.
	Command []string
	// Handler is a zip function's handler script, run through the layer's bootstrap as
	// AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap does: $LAMBDA_TASK_ROOT/$_HANDLER.
	Handler string
	// TaskRoot is LAMBDA_TASK_ROOT and the processes' working directory.
	TaskRoot string
	// Bootstrap is the layer's bootstrap script (layers.Bootstrap), for Handler.
	Bootstrap []byte

	// Env is the function's own variables (template, env file, --env), in order; later wins.
	Env []string
	// Environ is the host environment the processes start from (PATH, HOME, ...).
	Environ []string

	FunctionName string
	MemoryMB     int
	Timeout      time.Duration
	Region       string

	Trigger Trigger
	Stage   string
	Host    string
	Port    int

	// Log receives lwa-pack's own lines; Output receives the processes' prefixed output and the
	// START/END/REPORT lines.
	Log    *slog.Logger
	Output io.Writer
}

// Defaults applied by Check.
const (
	DefaultTimeout  = 3 * time.Second
	DefaultMemoryMB = 128
	DefaultPort     = 3000
	maxTimeout      = 900 * time.Second
)

// Check validates o and fills in defaults.
func (o *Options) Check() error {
	if o.Adapter == "" {
		return errors.New("no adapter binary: pass --adapter-binary PATH or let lwa-pack build one")
	}
	if len(o.Command) == 0 && o.Handler == "" {
		return errors.New("nothing to run: give the command that starts the app after --, " +
			"e.g. lwa-pack local -- node server.js, or --handler run.sh for a zip layout")
	}
	if len(o.Command) > 0 && o.Handler != "" {
		return errors.New("--handler and a command after -- both given: keep one")
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Timeout < time.Second || o.Timeout > maxTimeout {
		return fmt.Errorf("timeout %s: Lambda allows 1 to 900 seconds", o.Timeout)
	}
	if o.MemoryMB == 0 {
		o.MemoryMB = DefaultMemoryMB
	}
	if o.MemoryMB < 128 || o.MemoryMB > 10240 {
		return fmt.Errorf("memory size %d MB: Lambda allows 128 to 10240 MB", o.MemoryMB)
	}
	if o.FunctionName == "" {
		o.FunctionName = "function"
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Trigger == "" {
		o.Trigger = HTTPAPI
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	for _, kv := range o.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fmt.Errorf("environment entry %q: want KEY=VALUE", kv)
		}
	}
	return nil
}

// envValue is the last value of key in env.
func envValue(env []string, key string) (string, bool) {
	val, found := "", false
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			val, found = v, true
		}
	}
	return val, found
}

// maxConcurrency is AWS_LAMBDA_MAX_CONCURRENCY from the function's variables (Lambda Managed
// Instances), else 1.
func (o *Options) maxConcurrency() (int, error) {
	v, ok := envValue(o.Env, "AWS_LAMBDA_MAX_CONCURRENCY")
	if !ok {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("AWS_LAMBDA_MAX_CONCURRENCY=%q: want a whole number of at least 1", v)
	}
	return n, nil
}

// streaming tells whether the adapter runs in response_stream mode (AWS_LWA_INVOKE_MODE, or the
// template's FunctionUrlConfig InvokeMode passed on as that variable).
func (o *Options) streaming() bool {
	v, _ := envValue(o.Env, "AWS_LWA_INVOKE_MODE")
	return strings.EqualFold(v, "response_stream")
}
