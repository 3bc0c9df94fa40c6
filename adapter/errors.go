package adapter

import "fmt"

// Error types posted to Lambda. Lambda Managed Instances only accepts types matching
// ^(Runtime|Function)\.[A-Z][a-zA-Z]+$, so every type here does.
const (
	// Init (posted to /runtime/init/error).
	errTypeConfig           = "Runtime.AdapterConfigError"
	errTypeReadiness        = "Runtime.AppNotReady" // also an invocation's, when async init's check failed
	errTypeBeforeCheckpoint = "Runtime.BeforeCheckpointHookFailed"
	errTypeRestoreNext      = "Runtime.RestoreNextFailed"

	// After a SnapStart restore (posted to /runtime/restore/error).
	errTypeAfterRestore    = "Runtime.AfterRestoreHookFailed"
	errTypeRestoreNotReady = "Runtime.AppNotReadyAfterRestore"

	// One invocation (posted to /runtime/invocation/{id}/error).
	errTypeInvalidEvent = "Runtime.InvalidEvent"
	errTypeApp          = "Runtime.AppError"
	errTypeAppTimeout   = "Runtime.AppTimeout"
	errTypeTooLarge     = "Runtime.ResponseSizeTooLarge"
	errTypeErrorStatus  = "Function.ErrorStatusCode"

	// A streamed response's failure mid-body, sent in its trailers as AWS documents it.
	errTypeStream = "Runtime.StreamError"
)

// initError is an error that fails the Init phase, with the type Main reports to Lambda.
type initError struct {
	errType string
	err     error
}

func (e *initError) Error() string { return e.err.Error() }
func (e *initError) Unwrap() error { return e.err }

// restoreError is a failure after a SnapStart restore. It has been posted to /runtime/restore/error
// already; the adapter must exit. It never wraps an *initError, so Main does not report it to
// /runtime/init/error as well.
type restoreError struct {
	errType string
	err     error
}

func (e *restoreError) Error() string { return "after restore: " + e.err.Error() }
func (e *restoreError) Unwrap() error { return e.err }

// invokeError fails one invocation (posted to /error); other errors are the Runtime API's.
type invokeError struct {
	errType string
	err     error
	message string // what Lambda gets as errorMessage when it is not err's text
	// appTimedOut marks an app that did not finish answering before the deadline: the adapter then
	// checks whether it is hung (checkAppAfterTimeout).
	appTimedOut bool
}

func (e *invokeError) Error() string { return e.errType + ": " + e.err.Error() }

func failf(errType, format string, args ...any) *invokeError {
	return &invokeError{errType: errType, err: fmt.Errorf(format, args...)}
}

// timeoutf is failf for an app that did not finish answering before the invocation deadline.
func timeoutf(format string, args ...any) *invokeError {
	fail := failf(errTypeAppTimeout, format, args...)
	fail.appTimedOut = true
	return fail
}

// stopFailure is a stop cause that makes Run fail (and the adapter exit non-zero): the Extensions
// API failed for good, or the app is hung. Other causes (SHUTDOWN, SIGTERM) are a clean stop.
type stopFailure struct{ err error }

func (e *stopFailure) Error() string { return e.err.Error() }
func (e *stopFailure) Unwrap() error { return e.err }
