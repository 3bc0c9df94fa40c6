package adapter

import (
	"encoding/json"

	"github.com/lwa-go/lwa/adapter/event"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// requestOptions says how this invocation's event becomes a request to the app.
func (a *Adapter) requestOptions(inv *lambdaapi.Invocation) event.RequestOptions {
	return event.RequestOptions{
		Host:                a.cfg.AppAddr(),
		RemoveBasePath:      a.cfg.RemoveBasePath,
		PassThroughPath:     a.cfg.PassThroughPath,
		AuthorizationSource: a.cfg.AuthorizationSource,
		LambdaContext:       a.lambdaContext(inv),
		TraceID:             inv.TraceID,
		TenantID:            inv.TenantID,
	}
}

// lambdaContext is the x-amzn-lambda-context header: the invocation's context as JSON, in the shape
// AWS's Rust adapter sends, so apps written for it read it unchanged.
func (a *Adapter) lambdaContext(inv *lambdaapi.Invocation) []byte {
	lc := event.LambdaContext{
		RequestID:          inv.RequestID,
		InvokedFunctionARN: inv.FunctionARN,
		XRayTraceID:        inv.TraceID,
		TenantID:           inv.TenantID,
		EnvConfig: event.EnvConfig{
			FunctionName: a.cfg.FunctionName,
			Memory:       a.cfg.MemorySizeMB,
			Version:      a.cfg.FunctionVersion,
			LogStream:    a.cfg.LogStreamName,
			LogGroup:     a.cfg.LogGroupName,
		},
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
