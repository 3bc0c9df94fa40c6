package event

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/lwa-go/lwa/adapter/internal/httpsyntax"
)

// Headers the adapter sets on every request; a client-sent header of the same name never reaches the
// app (no spoofing).
const (
	HeaderRequestContext = "X-Amzn-Request-Context" // the event's requestContext, JSON; null when none (pass-through)
	HeaderLambdaContext  = "X-Amzn-Lambda-Context"  // the invocation's context, JSON (LambdaContext)
	HeaderTenantID       = "X-Amz-Tenant-Id"        // the invocation's tenant, when it has one
	HeaderTraceID        = "X-Amzn-Trace-Id"        // the invocation's X-Ray trace header
)

// isHopByHop reports the request headers that describe the client's connection to API Gateway or
// the load balancer, not the request: forwarded, they would make the adapter's connection to the app
// close (Connection: close), wait for a 100 Continue (Expect), or mis-frame the body (Content-Length,
// Transfer-Encoding: the body is re-framed from its decoded length). Host becomes Request.Host.
func isHopByHop(canonicalName string) bool {
	switch canonicalName {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "Te",
		"Trailer", "Expect", "Content-Length", "Host":
		return true
	}
	return false
}

// Request builds the HTTP request to the app. The Event is not modified, so Request may be called
// again (a retry) with the same result.
//
// Method, path (minus opts.RemoveBasePath), query, headers and body come from the event; a
// pass-through event is POSTed to opts.PassThroughPath as application/json. The Host header is the
// one the client sent to API Gateway/ALB (as AWS's Rust adapter does, so apps that build absolute
// URLs or route by host keep working), else opts.Host.
func (e *Event) Request(ctx context.Context, opts RequestOptions) (*http.Request, error) {
	if e == nil {
		return nil, errors.New("build request: nil event")
	}
	if opts.Host == "" {
		return nil, errors.New("build request: no app host")
	}
	var (
		method, path, query string
		h                   http.Header
		body                []byte
		host                = opts.Host
	)
	if e.Kind == KindPassThrough {
		method = http.MethodPost
		path = opts.PassThroughPath
		if path == "" {
			path = DefaultPassThroughPath
		}
		path = encodePath(path)
		body = e.Raw
		h = make(http.Header, 5)
		h["Content-Type"] = []string{"application/json"}
	} else {
		method, path, query, body = e.Method, stripBasePath(e.Path, opts.RemoveBasePath), e.RawQuery, e.Body
		h = cleanHeader(e.Header)
		if v := e.Header["Host"]; len(v) > 0 {
			if hv := stripControl(v[0]); validHost(hv) {
				host = hv
			}
		}
		if src := http.CanonicalHeaderKey(opts.AuthorizationSource); src != "" && src != "Authorization" {
			if v, ok := h[src]; ok {
				h["Authorization"] = v
				delete(h, src)
			}
		}
	}
	setContextHeaders(h, e.requestContextHeader(), opts)

	var r io.Reader
	if len(body) > 0 {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "", r)
	if err != nil {
		return nil, fmt.Errorf("build %s request: %w", e.Kind, err)
	}
	u := &url.URL{Scheme: "http", Host: opts.Host, Path: path, RawPath: path, RawQuery: query}
	if p, err := url.PathUnescape(path); err == nil {
		u.Path = p
	}
	req.URL = u
	req.Host = host
	req.Header = h
	return req, nil
}

// requestContextNull is x-amzn-request-context when there is no context to send: what AWS's Rust
// adapter sends for pass-through events (serde writes its unit variant RequestContext::PassThrough as
// null), so an app can JSON.parse the header on every route.
const requestContextNull = "null"

// requestContextHeader is the x-amzn-request-context value: the requestContext of an HTTP event,
// verbatim; null for a pass-through event, even one with a requestContext of its own (a WebSocket
// event: the whole event, requestContext included, is the body), and for an HTTP event without one.
func (e *Event) requestContextHeader() string {
	rc := bytes.TrimSpace(e.RequestContext)
	if e.Kind == KindPassThrough || len(rc) == 0 || string(rc) == requestContextNull {
		return requestContextNull
	}
	return jsonHeader(rc)
}

// setContextHeaders sets the four headers only the adapter may set, replacing or removing
// client-sent ones. x-amzn-request-context is always set, to requestContext.
func setContextHeaders(h http.Header, requestContext string, opts RequestOptions) {
	h[HeaderRequestContext] = []string{requestContext}
	if len(opts.LambdaContext) > 0 {
		h[HeaderLambdaContext] = []string{jsonHeader(opts.LambdaContext)}
	} else {
		delete(h, HeaderLambdaContext)
	}
	if opts.TenantID != "" {
		h[HeaderTenantID] = []string{stripControl(opts.TenantID)}
	} else {
		delete(h, HeaderTenantID)
	}
	// Without a trace id from Lambda, the one API Gateway or the ALB added is kept.
	if opts.TraceID != "" {
		h[HeaderTraceID] = []string{stripControl(opts.TraceID)}
	}
}

// cleanHeader copies the event's headers into a new map the request owns: names that are not
// valid tokens and hop-by-hop headers dropped, control bytes stripped from values (a header value
// with a control byte fails the whole request in net/http).
func cleanHeader(src http.Header) http.Header {
	n := 0
	for _, vs := range src {
		n += len(vs)
	}
	h := make(http.Header, len(src)+4)
	all := make([]string, n) // one backing array for every value, as http.Header.Clone does
	for k, vs := range src {
		if len(vs) == 0 || isHopByHop(k) || !httpsyntax.IsToken(k) {
			continue
		}
		dst := all[:len(vs):len(vs)]
		all = all[len(vs):]
		for i, v := range vs {
			dst[i] = stripControl(v)
		}
		h[k] = dst
	}
	return h
}

// stripControl removes the bytes net/http refuses in a header value: C0 controls but tab, and DEL.
func stripControl(s string) string {
	i := 0
	for i < len(s) && !httpsyntax.IsFieldControl(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		if !httpsyntax.IsFieldControl(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// jsonHeader makes a JSON document a valid header value without changing what it means:
// insignificant whitespace (newlines of a pretty-printed test event) removed, and DEL, the one
// control byte JSON allows raw inside strings, written as \u007f. The #732 fix in AWS's adapter
// strips these bytes instead, which changes the value the app reads.
func jsonHeader(doc []byte) string {
	clean := true
	for _, c := range doc {
		if httpsyntax.IsFieldControl(c) || c == '\t' {
			clean = false
			break
		}
	}
	if clean {
		return string(doc)
	}
	var buf bytes.Buffer
	buf.Grow(len(doc))
	if err := json.Compact(&buf, doc); err != nil {
		return stripControl(string(doc))
	}
	out := buf.Bytes()
	if bytes.IndexByte(out, 0x7f) < 0 {
		return string(out)
	}
	return string(bytes.ReplaceAll(out, []byte{0x7f}, []byte(`\u007f`)))
}

// validHost reports whether h is a Host header value net/http accepts.
func validHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		if byteClass[h[i]]&classHost == 0 {
			return false
		}
	}
	return true
}
