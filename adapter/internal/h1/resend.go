package h1

import (
	"context"
	"fmt"
	"net/http"
)

// shouldResend reports whether a request that failed on a connection may be sent once more, on a
// new connection: the failure must be the race with a peer closing a kept-alive connection, and a
// second copy must not be able to repeat the request's effect. One reason per case, as net/http's
// shouldRetryRequest.
func shouldResend(ctx context.Context, req *http.Request, reused bool, ex *exchangeError) bool {
	switch {
	case !reused:
		// A new connection has no idle timer the peer could have fired: the peer is refusing
		// the request, and would refuse a second copy (net/http: "no reason the server should've
		// hung up on us").
		return false
	case ex.Received > 0:
		// The peer answered, if only in part: the request reached it, and its answer is the
		// failure to report.
		return false
	case ctx.Err() != nil:
		// The caller has given up (deadline, cancel): a second copy would outlive it.
		return false
	case !replayable(req):
		// The first copy consumed the body and there is no GetBody to read it again.
		return false
	case ex.Sent > 0 && !Idempotent(req):
		// Part of the request reached the peer, which may have acted on it: only a request whose
		// repetition has the effect of one copy may go again.
		return false
	}
	// Closed under the request before any answer, and a second copy cannot repeat its effect:
	// nothing of it was sent, or it is idempotent.
	return true
}

// Idempotent reports a request that may be sent twice with the effect of once (RFC 9110 section
// 9.2.2), or that carries an Idempotency-Key (or X-Idempotency-Key) saying so.
//
// PUT and DELETE are idempotent here, where net/http's Transport does not resend them without an
// Idempotency-Key: RFC 9110 defines them so, and the one peer is the function's own app, whose
// kept-alive connection is the only cause of the failure resent (a request that reached a new
// connection, or drew any answer, is never resent). Sent twice, a PUT stores the same
// representation and a DELETE removes what is already gone: TestResendPutDeleteEffectOnce. Dropping
// them would turn the app's idle-timer race into a 502 for every PUT and DELETE that meets it.
func Idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return req.Header.Get("Idempotency-Key") != "" || req.Header.Get("X-Idempotency-Key") != ""
}

func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// ResendError is a request that failed on a reused connection, was sent again on a new one, and
// failed there too.
type ResendError struct {
	First error // on the reused connection
	Err   error // on the new one
}

func (e *ResendError) Error() string {
	return fmt.Sprintf("%v (then, sent again on a new connection: %v)", e.First, e.Err)
}

// Unwrap makes both failures visible to errors.Is and errors.As.
func (e *ResendError) Unwrap() []error { return []error{e.First, e.Err} }
