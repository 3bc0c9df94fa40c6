package local

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Event turns an HTTP request into the event t sends to Lambda.
func (t Trigger) Event(in Incoming) ([]byte, error) {
	var ev any
	switch t {
	case HTTPAPI:
		ev = httpAPIEvent(in)
	case FunctionURL:
		ev = functionURLEvent(in)
	case RESTAPI:
		ev = restAPIEvent(in)
	case ALB, ALBMultiValue:
		ev = albEvent(in, t == ALBMultiValue)
	case Lattice:
		ev = latticeEvent(in)
	default:
		return nil, fmt.Errorf("trigger %q: unknown", t)
	}
	// AWS does not escape <, > and & in events; neither do we, so bodies keep their size.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, fmt.Errorf("%s event: %w", t, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// body returns the body as the event carries it, and whether it is base64.
func body(in Incoming) (string, bool) {
	if binaryBody(in.Header, in.Body) {
		return base64.StdEncoding.EncodeToString(in.Body), true
	}
	return string(in.Body), false
}

// lowerHeaders is the request's headers with lower-case names, the Host header included and, when
// dropCookie, the Cookie header left out (payload 2.0 carries cookies apart).
func lowerHeaders(in Incoming, dropCookie bool) map[string][]string {
	h := make(map[string][]string, len(in.Header)+1)
	for k, vs := range in.Header {
		lk := strings.ToLower(k)
		if dropCookie && lk == "cookie" {
			continue
		}
		h[lk] = append([]string(nil), vs...)
	}
	if in.Host != "" {
		h["host"] = []string{in.Host}
	}
	return h
}

// joined folds repeated values with commas, as payload 2.0 and Lattice do.
func joined(h map[string][]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		out[k] = strings.Join(vs, ",")
	}
	return out
}

// last keeps the last value of each, as REST APIs' headers and ALB without multi-value headers do.
func last(h map[string][]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		if len(vs) > 0 {
			out[k] = vs[len(vs)-1]
		}
	}
	return out
}

func withForwarded(h map[string][]string, in Incoming, trace bool) map[string][]string {
	for k, v := range forwardedHeaders(in, trace) {
		old, ok := h[k]
		switch {
		case !ok:
			h[k] = []string{v}
		case k == "x-forwarded-for": // the trigger appends the address it saw
			h[k] = []string{strings.Join(old, ", ") + ", " + v}
		}
	}
	return h
}

func cookies(in Incoming) []string {
	var out []string
	for _, line := range in.Header.Values("Cookie") {
		for _, c := range strings.Split(line, ";") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
	}
	return out
}

// decodedQuery parses the raw query the way API Gateway does: keys and values decoded, '+' as a
// space. Pairs that do not decode are kept as sent.
func decodedQuery(raw string) map[string][]string {
	out := map[string][]string{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		out[k] = append(out[k], v)
	}
	return out
}

// rawQuery splits the query without decoding, as ALB passes it.
func rawQuery(raw string) map[string][]string {
	out := map[string][]string{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		out[k] = append(out[k], v)
	}
	return out
}

func nilIfEmpty[M ~map[string]V, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}

func decodedPath(p string) string {
	if d, err := url.PathUnescape(p); err == nil {
		return d
	}
	return p
}

func timeFormat(in Incoming) string { return in.Time.UTC().Format("02/Jan/2006:15:04:05 -0700") }

func httpAPIEvent(in Incoming) events.APIGatewayV2HTTPRequest {
	path, query := in.pathAndQuery()
	b, b64 := body(in)
	h := withForwarded(lowerHeaders(in, true), in, true)
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: path, RawQueryString: query,
		Cookies: cookies(in), Headers: joined(h),
		QueryStringParameters: nilIfEmpty(joined(decodedQuery(query))),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "$default", AccountID: localAccount, Stage: "$default", RequestID: in.RequestID,
			APIID: localAPIID, DomainName: in.Host, DomainPrefix: localAPIID,
			Time: timeFormat(in), TimeEpoch: in.Time.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: in.Method, Path: decodedPath(path), Protocol: "HTTP/1.1",
				SourceIP: in.SourceIP, UserAgent: in.Header.Get("User-Agent"),
			},
		},
		Body: b, IsBase64Encoded: b64,
	}
}

func functionURLEvent(in Incoming) events.LambdaFunctionURLRequest {
	path, query := in.pathAndQuery()
	b, b64 := body(in)
	h := withForwarded(lowerHeaders(in, true), in, true)
	return events.LambdaFunctionURLRequest{
		Version: "2.0", RawPath: path, RawQueryString: query, Cookies: cookies(in),
		Headers: joined(h), QueryStringParameters: nilIfEmpty(joined(decodedQuery(query))),
		RequestContext: events.LambdaFunctionURLRequestContext{
			AccountID: localAccount, RequestID: in.RequestID, APIID: localAPIID,
			DomainName: in.Host, DomainPrefix: localAPIID, Time: timeFormat(in), TimeEpoch: in.Time.UnixMilli(),
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{
				Method: in.Method, Path: decodedPath(path), Protocol: "HTTP/1.1",
				SourceIP: in.SourceIP, UserAgent: in.Header.Get("User-Agent"),
			},
		},
		Body: b, IsBase64Encoded: b64,
	}
}

func restAPIEvent(in Incoming) events.APIGatewayProxyRequest {
	path, query := in.pathAndQuery()
	b, b64 := body(in)
	stage := in.Stage
	if stage == "" {
		stage = "local"
	}
	h := withForwarded(lowerHeaders(in, false), in, true)
	// REST APIs keep the header names as the client sent them; Go's server has canonicalised them.
	mh := map[string][]string{}
	for k, vs := range h {
		mh[http.CanonicalHeaderKey(k)] = vs
	}
	q := decodedQuery(query)
	dp := decodedPath(path)
	return events.APIGatewayProxyRequest{
		Resource: "/{proxy+}", Path: dp, HTTPMethod: in.Method,
		Headers: last(mh), MultiValueHeaders: mh,
		QueryStringParameters: nilIfEmpty(last(q)), MultiValueQueryStringParameters: nilIfEmpty(q),
		PathParameters: map[string]string{"proxy": strings.TrimPrefix(dp, "/")},
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID: localAccount, ResourceID: "local", Stage: stage, RequestID: in.RequestID,
			ExtendedRequestID: in.RequestID, ResourcePath: "/{proxy+}", HTTPMethod: in.Method,
			RequestTime: timeFormat(in), RequestTimeEpoch: in.Time.UnixMilli(), Path: "/" + stage + dp,
			Protocol: "HTTP/1.1", APIID: localAPIID, DomainName: in.Host, DomainPrefix: localAPIID,
			Identity: events.APIGatewayRequestIdentity{SourceIP: in.SourceIP, UserAgent: in.Header.Get("User-Agent")},
		},
		Body: b, IsBase64Encoded: b64,
	}
}

const localTargetGroup = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/local/0000000000000000"

func albEvent(in Incoming, multi bool) events.ALBTargetGroupRequest {
	path, query := in.pathAndQuery()
	b, b64 := body(in)
	h := withForwarded(lowerHeaders(in, false), in, true)
	q := rawQuery(query)
	ev := events.ALBTargetGroupRequest{
		HTTPMethod: in.Method, Path: path,
		RequestContext: events.ALBTargetGroupRequestContext{ELB: events.ELBContext{TargetGroupArn: localTargetGroup}},
		Body:           b, IsBase64Encoded: b64,
	}
	if multi {
		ev.MultiValueHeaders = h
		ev.MultiValueQueryStringParameters = q
	} else {
		ev.Headers = last(h)
		ev.QueryStringParameters = last(q)
	}
	return ev
}

// latticeEvent is VPC Lattice's event structure version 2 (aws-lambda-go has no type for it).
type latticeRequest struct {
	Version               string              `json:"version"`
	Path                  string              `json:"path"`
	Method                string              `json:"method"`
	Headers               map[string][]string `json:"headers"`
	QueryStringParameters map[string][]string `json:"queryStringParameters,omitempty"`
	Body                  string              `json:"body"`
	IsBase64Encoded       bool                `json:"isBase64Encoded"`
	RequestContext        latticeContext      `json:"requestContext"`
}

type latticeContext struct {
	ServiceNetworkArn string            `json:"serviceNetworkArn"`
	ServiceArn        string            `json:"serviceArn"`
	TargetGroupArn    string            `json:"targetGroupArn"`
	Identity          map[string]string `json:"identity"`
	Region            string            `json:"region"`
	TimeEpoch         string            `json:"timeEpoch"`
}

func latticeEvent(in Incoming) latticeRequest {
	path, query := in.pathAndQuery()
	b, b64 := body(in)
	h := withForwarded(lowerHeaders(in, false), in, false)
	return latticeRequest{
		Version: "2.0", Path: path, Method: in.Method, Headers: h,
		QueryStringParameters: nilIfEmpty(decodedQuery(query)), Body: b, IsBase64Encoded: b64,
		RequestContext: latticeContext{
			ServiceNetworkArn: "arn:aws:vpc-lattice:us-east-1:123456789012:servicenetwork/sn-local",
			ServiceArn:        "arn:aws:vpc-lattice:us-east-1:123456789012:service/svc-local",
			TargetGroupArn:    "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-local",
			Identity:          map[string]string{"type": "NONE"},
			Region:            "us-east-1",
			TimeEpoch:         fmt.Sprint(in.Time.UnixMicro()),
		},
	}
}
