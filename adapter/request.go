package adapter

// The request stage of the pipeline: the decoded event becomes the request to the app, with the
// invocation's context in x-amzn-lambda-context.

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/event"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// invocationStatics is what every invocation's request and context share, derived once from the
// configuration in New rather than on each invocation.
type invocationStatics struct {
	opts  event.RequestOptions // the per-invocation fields left empty
	env   event.EnvConfig
	hooks []hookRoute // the SnapStart hooks set, for the guard
}

// hookRoute is a SnapStart hook path as configured and in canonical form (config.CanonicalPath).
type hookRoute struct{ path, canon string }

// newInvocationStatics derives the statics from cfg. The authorization source header is made
// canonical here, once: it is looked up in a header map on every invocation, and canonicalizing a
// name written in lower case allocates each time.
func newInvocationStatics(cfg config.Config) invocationStatics {
	return invocationStatics{
		opts: event.RequestOptions{
			Host:                cfg.AppAddr(),
			RemoveBasePath:      cfg.RemoveBasePath,
			PassThroughPath:     cfg.PassThroughPath,
			AuthorizationSource: http.CanonicalHeaderKey(cfg.AuthorizationSource),
		},
		env: event.EnvConfig{
			FunctionName: cfg.FunctionName,
			Memory:       cfg.MemorySizeMB,
			Version:      cfg.FunctionVersion,
			LogStream:    cfg.LogStreamName,
			LogGroup:     cfg.LogGroupName,
		},
		hooks: hookRoutes(cfg.BeforeCheckpointPath, cfg.AfterRestorePath),
	}
}

// hookRoutes are the hook paths that are set ("" is not), each with its canonical form.
func hookRoutes(paths ...string) []hookRoute {
	var hooks []hookRoute
	for _, p := range paths {
		if p != "" {
			hooks = append(hooks, hookRoute{path: p, canon: config.CanonicalPath(p)})
		}
	}
	return hooks
}

// request builds the app's request from ev.
func (a *Adapter) request(ctx context.Context, log *slog.Logger, inv *lambdaapi.Invocation, ev *event.Event) (*http.Request, error) {
	if src := a.statics.opts.AuthorizationSource; src != "" && ev.Kind != event.KindPassThrough && len(ev.Header[src]) == 0 {
		a.authSourceMissing.Do(func() {
			log.Warn("AWS_LWA_AUTHORIZATION_SOURCE header absent from a request; Authorization is passed on as sent (logged once)",
				"header", a.cfg.AuthorizationSource, "requestId", inv.RequestID)
		})
	}
	req, err := ev.Request(ctx, a.requestOptions(inv))
	if err != nil {
		return nil, &invokeError{errType: errTypeInvalidEvent, err: err}
	}
	return req, nil
}

// requestOptions says how this invocation's event becomes a request to the app.
func (a *Adapter) requestOptions(inv *lambdaapi.Invocation) event.RequestOptions {
	opts := a.statics.opts
	opts.LambdaContext = a.lambdaContext(inv)
	opts.TraceID = inv.TraceID
	opts.TenantID = inv.TenantID
	return opts
}

// lambdaContext is the x-amzn-lambda-context header: the invocation's context as JSON, in the shape
// AWS's Rust adapter sends, so apps written for it read it unchanged.
func (a *Adapter) lambdaContext(inv *lambdaapi.Invocation) []byte {
	lc := event.LambdaContext{
		RequestID:          inv.RequestID,
		InvokedFunctionARN: inv.FunctionARN,
		XRayTraceID:        inv.TraceID,
		TenantID:           inv.TenantID,
		EnvConfig:          a.statics.env,
	}
	if !inv.Deadline.IsZero() {
		lc.Deadline = inv.Deadline.UnixMilli()
	}
	if inv.ClientContext != "" {
		lc.ClientContext = json.RawMessage(inv.ClientContext)
	}
	if inv.CognitoIdentity != "" {
		lc.Identity = json.RawMessage(inv.CognitoIdentity)
	}
	return lc.Marshal()
}
