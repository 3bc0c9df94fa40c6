// Package local runs a function on the developer's machine as Lambda would: the Lambda API
// emulator (internal/lambdaemu), the adapter as an extension, the app as the runtime, and a front
// door that turns each plain HTTP request into the event its trigger would send and the function's
// answer into the HTTP response that trigger would give.
package local

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Trigger is the AWS service whose events the front door imitates.
type Trigger string

// The triggers the front door can imitate.
const (
	HTTPAPI       Trigger = "http-api"        // API Gateway HTTP API, payload format 2.0
	RESTAPI       Trigger = "rest-api"        // API Gateway REST API, Lambda proxy integration (1.0)
	ALB           Trigger = "alb"             // Application Load Balancer, multi-value headers off
	ALBMultiValue Trigger = "alb-multi-value" // Application Load Balancer, multi-value headers on
	FunctionURL   Trigger = "function-url"    // Lambda function URL
	Lattice       Trigger = "lattice"         // VPC Lattice, event structure version 2
)

// Triggers lists every trigger, in the order the docs show them.
func Triggers() []Trigger {
	return []Trigger{HTTPAPI, RESTAPI, ALB, ALBMultiValue, FunctionURL, Lattice}
}

// ParseTrigger checks a --trigger value.
func ParseTrigger(s string) (Trigger, error) {
	for _, t := range Triggers() {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("--trigger %q: unknown trigger: use one of %s", s, TriggerNames())
}

// TriggerNames is every trigger's name, comma-separated, for help and error texts.
func TriggerNames() string {
	names := make([]string, 0, len(Triggers()))
	for _, t := range Triggers() {
		names = append(names, string(t))
	}
	return strings.Join(names, ", ")
}

// Incoming is one HTTP request as the front door received it.
type Incoming struct {
	Method string
	// Target is the request target exactly as the client sent it (path and query, still encoded).
	Target    string
	Host      string
	Header    http.Header
	Body      []byte
	SourceIP  string
	RequestID string // the trigger's own request id (not Lambda's)
	Time      time.Time
	Stage     string // REST API stage; "" for "local"
}

func (in Incoming) pathAndQuery() (string, string) {
	p, q, _ := strings.Cut(in.Target, "?")
	if p == "" {
		p = "/"
	}
	return p, q
}

// binaryBody tells whether a trigger would base64-encode the body: any body that is not valid
// UTF-8, and any body whose Content-Type is not textual.
func binaryBody(h http.Header, body []byte) bool {
	if len(body) == 0 {
		return false
	}
	if !utf8.Valid(body) {
		return true
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return true
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"),
		mt == "application/json", mt == "application/xml", mt == "application/javascript",
		mt == "application/x-www-form-urlencoded", mt == "application/graphql":
		return false
	}
	return true
}

const (
	localAccount = "123456789012"
	localAPIID   = "local"
)

// forwardedHeaders are the headers the trigger adds before invoking (documented per trigger in
// docs/local.md); the e2e tests leave them out of their comparisons.
func forwardedHeaders(in Incoming, withTrace bool) map[string]string {
	h := map[string]string{
		"x-forwarded-for":   in.SourceIP,
		"x-forwarded-proto": "http",
		"x-forwarded-port":  portOf(in.Host),
	}
	if withTrace {
		h["x-amzn-trace-id"] = fmt.Sprintf("Root=1-%08x-%s", in.Time.Unix(), strings.ReplaceAll(in.RequestID, "-", "")[:24])
	}
	return h
}

func portOf(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		return host[i+1:]
	}
	return "80"
}
