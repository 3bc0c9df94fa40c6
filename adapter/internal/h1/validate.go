package h1

import (
	"fmt"
	"net/http"

	"github.com/lwa-go/lwa/adapter/internal/httpsyntax"
)

// InvalidRequestError is a request Do refuses before sending, as net/http's Transport does: a
// request line or header http.Request.Write would write malformed.
type InvalidRequestError struct {
	Reason string
}

func (e *InvalidRequestError) Error() string { return "h1: " + e.Reason }

func invalid(format string, args ...any) error {
	return &InvalidRequestError{Reason: fmt.Sprintf(format, args...)}
}

// validate refuses what net/http's Transport refuses before sending, with the same rules
// (httpsyntax).
func validate(req *http.Request) error {
	if req.URL == nil {
		return invalid("request has no URL")
	}
	if req.URL.Scheme != "http" {
		return invalid("unsupported protocol scheme %q (plain http only)", req.URL.Scheme)
	}
	if req.URL.Host == "" {
		return invalid("no host in request URL %q", req.URL.Redacted())
	}
	for _, part := range [2]string{req.URL.RawQuery, req.URL.Opaque} {
		if httpsyntax.HasControl(part) {
			return invalid("control byte in request URL %q", req.URL.Redacted())
		}
	}
	if req.Method != "" && !httpsyntax.IsToken(req.Method) {
		return invalid("invalid method %q", req.Method)
	}
	for _, h := range [2]http.Header{req.Header, req.Trailer} {
		for k, vv := range h {
			if !httpsyntax.IsToken(k) {
				return invalid("invalid header field name %q", k)
			}
			for _, v := range vv {
				if !httpsyntax.ValidFieldValue(v) {
					return invalid("invalid header field value for %q", k)
				}
			}
		}
	}
	return nil
}
