package local

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lwa-go/lwa/internal/lambdaemu"
)

// initBudget is Lambda's limit on the Init phase of an on-demand function.
const initBudget = 10 * time.Second

// shutdownBudget is what Lambda gives external extensions to exit after SHUTDOWN.
const shutdownBudget = 2 * time.Second

// InitError is a failed Init phase, in the words the user needs (the adapter's own message when it
// posted one).
type InitError struct {
	Message string
}

func (e *InitError) Error() string { return "init failed: " + e.Message }

// environment is one execution environment: the emulator, the adapter (an extension) and the
// app (the runtime). Lambda replaces it after a timeout or a crash; so does Run.
type environment struct {
	o            *Options
	emu          *lambdaemu.Emulator
	srv          *http.Server
	adapter, app *process
	started      time.Time
	initDuration time.Duration
	initReported atomic.Bool
	mem          memProbe
	// slots holds one token per invocation in flight: one (or AWS_LAMBDA_MAX_CONCURRENCY), so that
	// further requests wait for the environment, not for a runtime poller, and their deadlines start
	// only once the environment is theirs.
	slots chan struct{}
	tmp   string

	ctx    context.Context // ends when the environment dies
	cancel context.CancelCauseFunc
	once   sync.Once
}

func startEnvironment(ctx context.Context, o *Options) (*environment, error) {
	emu := lambdaemu.New(lambdaemu.Config{
		FunctionName: o.FunctionName, Handler: o.handlerName(), Region: o.Region, Timeout: o.Timeout, Extensions: 1,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the Lambda API emulator: %w", err)
	}
	envCtx, cancel := context.WithCancelCause(context.Background())
	n, err := o.maxConcurrency()
	if err != nil {
		n = 1 // Run has reported it already
	}
	e := &environment{o: o, emu: emu, srv: &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second},
		started: time.Now(), ctx: envCtx, cancel: cancel, slots: make(chan struct{}, n)}
	go func() { _ = e.srv.Serve(ln) }()
	if err := e.init(ctx, ln.Addr().String()); err != nil {
		e.kill(err)
		return nil, err
	}
	go e.watch()
	return e, nil
}

// init starts the processes in Lambda's order (extensions, then the runtime once they registered)
// and waits until Init completes.
func (e *environment) init(ctx context.Context, api string) error {
	env := e.o.lambdaEnv(api)
	deadline := time.NewTimer(initBudget)
	defer deadline.Stop()
	adapter, err := startProcess("adapter", []string{e.o.Adapter}, extensionEnv(env), e.o.TaskRoot, e.o.Output)
	if err != nil {
		return fmt.Errorf("start the adapter %s: %w", e.o.Adapter, err)
	}
	e.adapter = adapter
	for e.emu.Registered() == 0 {
		select {
		case <-adapter.done:
			return &InitError{Message: fmt.Sprintf("the adapter %s exited before it registered (%v)%s", e.o.Adapter, adapter.err, adapter.tail())}
		case <-deadline.C:
			return &InitError{Message: fmt.Sprintf("the adapter %s did not register with the Extensions API in %s", e.o.Adapter, initBudget)}
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	cmd, err := e.runtimeCommand()
	if err != nil {
		return err
	}
	app, err := startProcess("app", cmd, env, e.o.TaskRoot, e.o.Output)
	if err != nil {
		return &InitError{Message: fmt.Sprintf("start the app %q: %v", strings.Join(cmd, " "), err)}
	}
	e.app = app
	return e.waitInit(ctx, deadline.C)
}

func (e *environment) waitInit(ctx context.Context, deadline <-chan time.Time) error {
	var report *lambdaemu.ErrorReport
	for {
		select {
		case <-e.emu.InitDone():
			e.initDuration = time.Since(e.started)
			return nil
		case r := <-e.emu.Errors():
			report = &r // Lambda ends Init when the process that posted exits
		case <-e.app.done:
			if report != nil {
				return &InitError{Message: reportMessage(*report)}
			}
			return &InitError{Message: fmt.Sprintf("the app %q exited during Init (%v) (Runtime.ExitError)%s",
				e.app, e.app.err, e.app.tail())}
		case <-e.adapter.done:
			if report != nil {
				return &InitError{Message: reportMessage(*report)}
			}
			return &InitError{Message: fmt.Sprintf("the adapter exited during Init (%v) (Extension.Crash)%s", e.adapter.err, e.adapter.tail())}
		case <-deadline:
			msg := fmt.Sprintf("Init did not complete within Lambda's %s (Sandbox.Timedout)", initBudget)
			if last := e.adapter.lastLine("not ready"); last != "" {
				msg += "; the adapter's last readiness check: " + last
			}
			return &InitError{Message: msg}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func reportMessage(r lambdaemu.ErrorReport) string {
	return fmt.Sprintf("%s posted %s: %s", r.Endpoint, r.Type, strings.TrimSpace(string(r.Body)))
}

// runtimeCommand is the runtime process: the command given, or the layer's bootstrap running
// $LAMBDA_TASK_ROOT/$_HANDLER as a managed runtime does with AWS_LAMBDA_EXEC_WRAPPER.
func (e *environment) runtimeCommand() ([]string, error) {
	if len(e.o.Command) > 0 {
		return e.o.Command, nil
	}
	script := filepath.Join(e.o.TaskRoot, e.o.Handler)
	if st, err := os.Stat(script); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return nil, &InitError{Message: fmt.Sprintf("--handler %s: %s is not an executable file (chmod +x it; it is run as $LAMBDA_TASK_ROOT/$_HANDLER)", e.o.Handler, script)}
	}
	dir, err := os.MkdirTemp("", "lwa-local-*")
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	e.tmp = dir
	boot := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(boot, e.o.Bootstrap, 0o755); err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	return []string{"bash", boot}, nil
}

// lambdaEnv is the runtime's environment: the host's, the function's variables, then the ones
// Lambda reserves (which the function cannot override).
func (o *Options) lambdaEnv(api string) []string {
	env := append([]string{}, o.Environ...)
	env = append(env, o.Env...)
	if o.Handler != "" {
		if _, set := envValue(o.Env, "AWS_LAMBDA_EXEC_WRAPPER"); !set {
			env = append(env, "AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap")
		}
	}
	return append(env,
		"AWS_LAMBDA_RUNTIME_API="+api,
		"AWS_LAMBDA_FUNCTION_NAME="+o.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(o.MemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(int(o.Timeout.Seconds())),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/"+o.FunctionName,
		"AWS_LAMBDA_LOG_STREAM_NAME=local",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION="+o.Region,
		"AWS_DEFAULT_REGION="+o.Region,
		"_HANDLER="+o.handlerName(),
		"LAMBDA_TASK_ROOT="+o.TaskRoot,
	)
}

// handlerName is _HANDLER and what extensions are told at registration: the --handler script, or
// the command's program name.
func (o *Options) handlerName() string {
	if o.Handler != "" {
		return o.Handler
	}
	return filepath.Base(o.Command[0])
}

// extensionEnv is what extensions get: Lambda leaves out the underscore-prefixed variables.
func extensionEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "_") {
			out = append(out, kv)
		}
	}
	return out
}

// watch ends the environment when a process exits after Init, as Lambda resets it.
func (e *environment) watch() {
	select {
	case <-e.app.done:
		e.kill(fmt.Errorf("the app exited (%v) (Runtime.ExitError)", e.app.err))
	case <-e.adapter.done:
		e.kill(fmt.Errorf("the adapter exited (%v)", e.adapter.err))
	case <-e.ctx.Done():
	}
}

// dead reports why the environment ended, or nil.
func (e *environment) dead() error {
	if e.ctx.Err() == nil {
		return nil
	}
	return context.Cause(e.ctx)
}

// kill ends the environment at once (Lambda's reset after a timeout or crash).
func (e *environment) kill(cause error) {
	e.once.Do(func() {
		e.cancel(cause)
		for _, p := range []*process{e.app, e.adapter} {
			if p != nil {
				p.kill()
			}
		}
		_ = e.srv.Close()
		if e.tmp != "" {
			_ = os.RemoveAll(e.tmp)
		}
	})
}

// shutdown is Lambda's Shutdown phase: SHUTDOWN to the adapter, SIGTERM to the app, then SIGKILL
// for whatever is left when the budget is spent.
func (e *environment) shutdown() {
	if e.dead() != nil {
		return
	}
	deadline := time.Now().Add(shutdownBudget)
	e.emu.Shutdown(lambdaemu.ShutdownSpindown, deadline)
	e.app.terminate()
	timer := time.NewTimer(shutdownBudget)
	defer timer.Stop()
	for _, p := range []*process{e.adapter, e.app} {
		select {
		case <-p.done:
		case <-timer.C:
		}
	}
	e.kill(errors.New("shut down"))
}
