package config

import (
	"strings"

	"github.com/lwa-go/lwa/adapter/internal/httpsyntax"
)

// readInvocation reads how an invocation becomes a request to the app and its response goes back.
func readInvocation(r *reader, c *Config) error {
	if err := setVar(r, envRemoveBasePath, &c.RemoveBasePath, parseBasePath); err != nil {
		return err
	}
	if err := setVar(r, envPassThroughPath, &c.PassThroughPath, r.rooted(parsePath)); err != nil {
		return err
	}
	if err := setVar(r, envAuthorizationSource, &c.AuthorizationSource, parseHeaderName); err != nil {
		return err
	}
	if err := setVar(r, envErrorStatusCodes, &c.ErrorStatusCodes, parseStatusVar); err != nil {
		return err
	}
	if err := setVar(r, envEnableCompression, &c.EnableCompression, parseBool); err != nil {
		return err
	}
	return setVar(r, envInvokeMode, &c.InvokeMode,
		parseChoice("buffered or response_stream", InvokeBuffered, InvokeResponseStream))
}

// parseBasePath is a path prefix, kept without its trailing slashes.
func parseBasePath(name, v string) (string, error) {
	p, err := parsePath(name, v)
	return strings.TrimRight(p, "/"), err
}

// parseHeaderName is an HTTP header name, spaces around it dropped.
func parseHeaderName(name, v string) (string, error) {
	v = strings.TrimSpace(v)
	if !httpsyntax.IsToken(v) {
		return "", &Error{Var: name, Value: v, Accepted: "an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"}
	}
	return v, nil
}
