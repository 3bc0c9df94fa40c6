package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/lwa-go/lwa/internal/lambdaemu"
)

// Run serves the front door until ctx ends (Ctrl-C), then drains in-flight requests and shuts
// the environment down as Lambda does. The first environment starts before the front door opens,
// so that a broken command or configuration fails at once.
func Run(ctx context.Context, o Options) error {
	if err := o.Check(); err != nil {
		return err
	}
	if _, err := o.maxConcurrency(); err != nil {
		return err
	}
	o.Output = &syncWriter{w: o.Output}
	addr := net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return portError(addr, o.Port, err)
	}
	defer ln.Close()
	fd := &frontDoor{o: &o}
	if _, err := fd.environment(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // Ctrl-C during the first Init: nothing to drain
		}
		return err
	}
	srv := &http.Server{Handler: fd, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	o.Log.Info("listening", "url", "http://"+ln.Addr().String(), "trigger", o.Trigger, "timeout", o.Timeout,
		"streaming", o.streaming())

	select {
	case err := <-served:
		fd.current().shutdown()
		return fmt.Errorf("front door %s: %w", addr, err)
	case <-ctx.Done():
	}
	o.Log.Info("stopping: finishing in-flight requests")
	drain, cancel := context.WithTimeout(context.Background(), o.Timeout+shutdownBudget)
	defer cancel()
	if err := srv.Shutdown(drain); err != nil {
		o.Log.Warn("in-flight requests cut short", "error", err)
	}
	if env := fd.current(); env != nil {
		env.shutdown()
	}
	return nil
}

// portError explains a failed listen, naming the process that holds the port when it can.
func portError(addr string, port int, err error) error {
	if !isAddrInUse(err) {
		return fmt.Errorf("front door %s: %w", addr, err)
	}
	owner := portOwner(port)
	if owner == "" {
		owner = "another process (find it with: lsof -nP -iTCP:" + strconv.Itoa(port) + " -sTCP:LISTEN)"
	}
	return fmt.Errorf("--port %d: %s is already in use by %s: stop it or pick another port with --port", port, addr, owner)
}

// FunctionError is an invocation that ended in a function error (local invoke).
type FunctionError struct {
	Type string
}

func (e *FunctionError) Error() string { return "function error: " + e.Type }

// Invoke starts an environment, sends it one raw event and writes the raw result to out, as
// `sam local invoke` does. A function error is written too, then returned as *FunctionError.
func Invoke(ctx context.Context, o Options, event []byte, out io.Writer) error {
	if err := o.Check(); err != nil {
		return err
	}
	o.Output = &syncWriter{w: o.Output}
	env, err := startEnvironment(ctx, &o)
	if err != nil {
		return err
	}
	defer env.shutdown()
	id := lambdaemu.NewRequestID()
	fmt.Fprintf(o.Output, "START RequestId: %s Version: $LATEST\n", id)
	res, err := env.emu.Invoke(ctx, lambdaemu.Request{Payload: event, RequestID: id})
	if err != nil {
		return err
	}
	_, copyErr := io.Copy(out, res.Body)
	oc := res.Wait()
	fmt.Fprint(o.Output, reportLines(env, res, oc))
	if copyErr != nil && !errors.Is(copyErr, io.ErrClosedPipe) {
		return fmt.Errorf("write the result: %w", copyErr)
	}
	if oc.ErrorType != "" {
		return &FunctionError{Type: oc.ErrorType}
	}
	return nil
}
