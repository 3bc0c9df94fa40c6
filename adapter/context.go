package adapter

import (
	"encoding/json"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/event"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// invocationStatics is what every invocation's request and context share, derived once from the
// configuration in New rather than on each invocation.
type invocationStatics struct {
	opts event.RequestOptions // the per-invocation fields left empty
	env  event.EnvConfig
}

func newInvocationStatics(cfg config.Config) invocationStatics {
	return invocationStatics{
		opts: event.RequestOptions{
			Host:                cfg.AppAddr(),
			RemoveBasePath:      cfg.RemoveBasePath,
			PassThroughPath:     cfg.PassThroughPath,
			AuthorizationSource: cfg.AuthorizationSource,
		},
		env: event.EnvConfig{
			FunctionName: cfg.FunctionName,
			Memory:       cfg.MemorySizeMB,
			Version:      cfg.FunctionVersion,
			LogStream:    cfg.LogStreamName,
			LogGroup:     cfg.LogGroupName,
		},
	}
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
