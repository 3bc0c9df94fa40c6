// Package lambdaapi is a small client for the two Lambda APIs the adapter speaks: the Runtime API
// (next invocation, response, error, restore) and the Extensions API (register, next event).
package lambdaapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Runtime API headers.
const (
	HeaderRequestID       = "Lambda-Runtime-Aws-Request-Id"
	HeaderDeadlineMs      = "Lambda-Runtime-Deadline-Ms"
	HeaderTraceID         = "Lambda-Runtime-Trace-Id"
	HeaderFunctionARN     = "Lambda-Runtime-Invoked-Function-Arn"
	HeaderClientContext   = "Lambda-Runtime-Client-Context"
	HeaderCognitoIdentity = "Lambda-Runtime-Cognito-Identity"
	HeaderTenantID        = "Lambda-Runtime-Aws-Tenant-Id"
	HeaderErrorType       = "Lambda-Runtime-Function-Error-Type"
	HeaderErrorBody       = "Lambda-Runtime-Function-Error-Body"
	HeaderResponseMode    = "Lambda-Runtime-Function-Response-Mode"

	// StreamContentType marks a streamed HTTP integration response: JSON prelude, 8 NUL bytes, body.
	StreamContentType = "application/vnd.awslambda.http-integration-response"
)

const runtimePrefix = "/2018-06-01/runtime"

// Invocation is one event from /runtime/invocation/next.
type Invocation struct {
	RequestID       string
	Deadline        time.Time
	TraceID         string
	FunctionARN     string
	ClientContext   string
	CognitoIdentity string
	TenantID        string
	Payload         []byte
}

// ErrorResponse is the body Lambda expects on /error endpoints.
type ErrorResponse struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// Doer sends one HTTP request: the adapter's own HTTP/1.1 client, or an *http.Client.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// RuntimeClient calls the Runtime API at one address.
type RuntimeClient struct {
	base string
	hc   Doer
}

// NewRuntimeClient returns a client for the Runtime API at addr (host:port). hc must not time out:
// /next blocks until an invocation arrives.
func NewRuntimeClient(addr string, hc Doer) *RuntimeClient {
	return &RuntimeClient{base: "http://" + addr + runtimePrefix, hc: hc}
}

// Next blocks until the next invocation.
func (c *RuntimeClient) Next(ctx context.Context) (*Invocation, error) {
	url := c.base + "/invocation/next"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: read event: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &StatusError{Method: "GET", URL: url, Status: resp.StatusCode, Body: body}
	}
	h := resp.Header
	inv := &Invocation{
		RequestID:       h.Get(HeaderRequestID),
		TraceID:         h.Get(HeaderTraceID),
		FunctionARN:     h.Get(HeaderFunctionARN),
		ClientContext:   h.Get(HeaderClientContext),
		CognitoIdentity: h.Get(HeaderCognitoIdentity),
		TenantID:        h.Get(HeaderTenantID),
		Payload:         body,
	}
	if inv.RequestID == "" {
		return nil, fmt.Errorf("GET %s: response has no %s header", url, HeaderRequestID)
	}
	if ms, err := strconv.ParseInt(h.Get(HeaderDeadlineMs), 10, 64); err == nil && ms > 0 {
		inv.Deadline = time.UnixMilli(ms)
	}
	return inv, nil
}

// Respond posts a buffered response.
func (c *RuntimeClient) Respond(ctx context.Context, requestID string, body []byte) error {
	return c.post(ctx, "/invocation/"+requestID+"/response", bytes.NewReader(body), int64(len(body)), nil, nil)
}

// Stream posts a streamed response (chunked, Lambda-Runtime-Function-Response-Mode: streaming).
// Each Read of body (or, when body is an io.WriterTo, each Write it makes) goes out as one chunk,
// flushed at once: nothing is held back for a later chunk. body may be an io.ReadCloser: it is
// closed when the client is done with it, which can be after Stream returns if the Runtime API
// answered before the body ended. trailer must hold, before the call, every trailer key the stream
// may set (they are declared up front); the values may be filled in until body reports io.EOF.
func (c *RuntimeClient) Stream(ctx context.Context, requestID string, body io.Reader, trailer http.Header) error {
	h := http.Header{}
	h.Set(HeaderResponseMode, "streaming")
	h.Set("Content-Type", StreamContentType)
	return c.post(ctx, "/invocation/"+requestID+"/response", body, -1, h, trailer)
}

// Fail reports an invocation error.
func (c *RuntimeClient) Fail(ctx context.Context, requestID, errType, msg string) error {
	return c.postError(ctx, "/invocation/"+requestID+"/error", errType, msg)
}

// InitError reports that Init failed. Lambda ends Init when the process exits.
func (c *RuntimeClient) InitError(ctx context.Context, errType, msg string) error {
	return c.postError(ctx, "/init/error", errType, msg)
}

// RestoreNext tells Lambda that the environment may be snapshotted, and returns after a restore.
func (c *RuntimeClient) RestoreNext(ctx context.Context) error {
	url := c.base + "/restore/next"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return &StatusError{Method: "GET", URL: url, Status: resp.StatusCode, Body: body}
	}
	return nil
}

// RestoreError reports that the after-restore phase failed.
func (c *RuntimeClient) RestoreError(ctx context.Context, errType, msg string) error {
	return c.postError(ctx, "/restore/error", errType, msg)
}

func (c *RuntimeClient) postError(ctx context.Context, path, errType, msg string) error {
	body, err := json.Marshal(ErrorResponse{Message: msg, Type: errType})
	if err != nil {
		return fmt.Errorf("encode error response: %w", err)
	}
	h := http.Header{}
	h.Set(HeaderErrorType, errType)
	h.Set("Content-Type", "application/json")
	return c.post(ctx, path, bytes.NewReader(body), int64(len(body)), h, nil)
}

func (c *RuntimeClient) post(ctx context.Context, path string, body io.Reader, size int64, h, trailer http.Header) error {
	url := c.base + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return fmt.Errorf("POST %s: %w", url, err)
	}
	req.ContentLength = size
	if size < 0 {
		req.TransferEncoding = []string{"chunked"}
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if trailer != nil {
		req.Trailer = trailer
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return &StatusError{Method: "POST", URL: url, Status: resp.StatusCode, Body: rb}
	}
	return nil
}

// StatusError is a non-2xx answer from a Lambda API.
type StatusError struct {
	Method string
	URL    string
	Status int
	Body   []byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: status %d: %s", e.Method, e.URL, e.Status, bytes.TrimSpace(e.Body))
}
