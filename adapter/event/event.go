package event

import (
	"encoding/json"
	"net/http"
)

// Kind is the trigger an event came from.
type Kind uint8

// Event kinds. Decode tries them in the order API Gateway REST (v1), HTTP API (v2) / Function URL,
// ALB, VPC Lattice v2; anything else is passed through.
const (
	KindPassThrough  Kind = iota // anything that is not an HTTP event: SQS, SNS, S3, EventBridge...
	KindAPIGatewayV1             // API Gateway REST API (payload format 1.0)
	KindAPIGatewayV2             // API Gateway HTTP API (payload 2.0) and Lambda Function URLs
	KindALB                      // Application Load Balancer
	KindLattice                  // VPC Lattice (version 2.0)
)

// String names the kind, for logs.
func (k Kind) String() string {
	switch k {
	case KindPassThrough:
		return "pass-through"
	case KindAPIGatewayV1:
		return "apigateway-v1"
	case KindAPIGatewayV2:
		return "apigateway-v2"
	case KindALB:
		return "alb"
	case KindLattice:
		return "vpc-lattice-v2"
	}
	return "unknown"
}

// Event is a decoded invocation payload.
//
// For HTTP kinds, Path and RawQuery are already normalised: percent-encoded exactly once, control
// bytes encoded, safe to put on a request line. Header holds the event's headers in canonical form,
// merged from single- and multi-value maps (every value kept), with cookies of HTTP API v2 events
// joined into one Cookie header. Request does the per-invocation parts (base path, context headers).
type Event struct {
	Kind           Kind
	Method         string
	Path           string // as sent on the wire: percent-encoded once
	RawQuery       string // encoded query, without "?"
	Header         http.Header
	Body           []byte
	RequestContext json.RawMessage // the event's requestContext, verbatim (nil when absent or null)
	Raw            []byte          // the whole payload (pass-through)
	MultiValue     bool            // ALB with multi-value headers: answer with multiValueHeaders
}

// RequestOptions says how an Event becomes a request to the app.
type RequestOptions struct {
	Host                string // the app's host:port
	RemoveBasePath      string // prefix removed from the path, on a segment boundary
	PassThroughPath     string // path non-HTTP events are POSTed to; "/events" when empty
	AuthorizationSource string // header moved to Authorization when present
	LambdaContext       []byte // x-amzn-lambda-context, JSON (see LambdaContext.Marshal)
	TraceID             string // x-amzn-trace-id; the event's own header is kept when empty
	TenantID            string // x-amz-tenant-id; a client-sent one is removed when empty
}

// Response is the app's answer, body fully read (buffered mode).
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// DefaultPassThroughPath is where non-HTTP events go when RequestOptions.PassThroughPath is empty.
const DefaultPassThroughPath = "/events"
