// Package event translates Lambda invocation payloads into HTTP requests for the app, and the app's
// responses back into the JSON each trigger expects. It does no I/O: every function here is pure, so
// it is tested with table-driven golden files.
package event

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// Kind is the trigger an event came from.
type Kind uint8

// Event kinds, in the order Decode tries them.
const (
	KindPassThrough  Kind = iota // anything that is not an HTTP event: SQS, SNS, S3, EventBridge...
	KindAPIGatewayV1             // API Gateway REST API (payload format 1.0)
	KindAPIGatewayV2             // API Gateway HTTP API (payload 2.0) and Lambda Function URLs
	KindALB                      // Application Load Balancer
	KindLattice                  // VPC Lattice (version 2.0)
)

// Event is a decoded invocation payload.
type Event struct {
	Kind           Kind
	Method         string
	Path           string // as sent on the wire: percent-encoded once
	RawQuery       string // encoded query, without "?"
	Header         http.Header
	Body           []byte
	RequestContext json.RawMessage // the event's requestContext, verbatim
	Raw            []byte          // the whole payload (pass-through)
	MultiValue     bool            // ALB with multi-value headers: answer with multiValueHeaders
}

// RequestOptions says how an Event becomes a request to the app.
type RequestOptions struct {
	Host                string // the app's host:port
	RemoveBasePath      string
	PassThroughPath     string
	AuthorizationSource string
	LambdaContext       []byte // x-amzn-lambda-context, JSON
	TraceID             string // x-amzn-trace-id
	TenantID            string // x-amz-tenant-id
}

// Response is the app's answer, body fully read (buffered mode).
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// ErrNotImplemented marks the parts of this package still being written.
var errNotImplemented = errors.New("not implemented")

// Decode detects the event type and decodes it.
func Decode(payload []byte) (*Event, error) { return nil, errNotImplemented }

// Request builds the HTTP request to the app.
func (e *Event) Request(ctx context.Context, opts RequestOptions) (*http.Request, error) {
	return nil, errNotImplemented
}

// Encode returns the JSON the trigger expects for resp.
func Encode(e *Event, resp *Response) ([]byte, error) { return nil, errNotImplemented }
