package event

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/textproto"
	"sort"
	"strings"
)

// wire is the union of the HTTP event shapes Decode reads. Fields of other triggers are ignored.
type wire struct {
	Version        string `json:"version"`
	HTTPMethod     string `json:"httpMethod"` // v1, ALB
	Method         string `json:"method"`     // Lattice
	Path           string `json:"path"`       // v1, ALB, Lattice
	RawPath        string `json:"rawPath"`    // v2
	RawQueryString string `json:"rawQueryString"`
	Cookies        []string

	Headers                         map[string]strs `json:"headers"`
	MultiValueHeaders               map[string]strs `json:"multiValueHeaders"`
	QueryStringParameters           map[string]strs `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string]strs `json:"multiValueQueryStringParameters"`

	Body            *string         `json:"body"`
	IsBase64Encoded bool            `json:"isBase64Encoded"`
	RequestContext  json.RawMessage `json:"requestContext"`
}

// probe is what Decode needs from requestContext to tell the triggers apart.
type probe struct {
	HTTPMethod string `json:"httpMethod"`
	HTTP       *struct {
		Method string `json:"method"`
		Path   string `json:"path"`
	} `json:"http"`
	ELB               json.RawMessage `json:"elb"`
	ServiceNetworkArn string          `json:"serviceNetworkArn"`
}

// strs is a header or query value: a JSON string, an array of strings, or null. VPC Lattice v2 sends
// arrays, the others strings; both appear in the wild for Lattice.
type strs []string

// UnmarshalJSON accepts a string, an array of strings or null.
func (s *strs) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
		return nil
	case b[0] == 'n': // null
		*s = nil
		return nil
	case b[0] == '"':
		v, err := unquote(b)
		if err != nil {
			return err
		}
		*s = strs{v}
		return nil
	case b[0] == '[':
		var vs []*string // null elements are skipped
		if err := json.Unmarshal(b, &vs); err != nil {
			return err
		}
		out := make(strs, 0, len(vs))
		for _, v := range vs {
			if v != nil {
				out = append(out, *v)
			}
		}
		*s = out
		return nil
	}
	return fmt.Errorf("want a string or an array of strings, got %.20q", b)
}

// unquote decodes a JSON string literal already validated by encoding/json, cheaply when it has no
// escapes.
func unquote(b []byte) (string, error) {
	if len(b) >= 2 && bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1]), nil
	}
	var v string
	err := json.Unmarshal(b, &v)
	return v, err
}

// Decode detects the event type and decodes it. Invalid JSON and an invalid base64 body are errors;
// an event that is valid JSON but no HTTP trigger is a pass-through event.
func Decode(payload []byte) (*Event, error) {
	var w wire
	if err := json.Unmarshal(payload, &w); err != nil {
		// Not an object, or a field named like an HTTP event's but of another type: only a
		// pass-through event can be that, and only if it is valid JSON.
		if json.Valid(payload) {
			return &Event{Kind: KindPassThrough, Raw: payload}, nil
		}
		return nil, fmt.Errorf("decode event: invalid JSON: %w", err)
	}
	var p probe
	if len(w.RequestContext) > 0 && w.RequestContext[0] == '{' {
		if err := json.Unmarshal(w.RequestContext, &p); err != nil {
			// A requestContext of another shape: not an HTTP trigger we know.
			p = probe{}
		}
	}
	e := &Event{RequestContext: w.RequestContext, Raw: payload}
	if len(e.RequestContext) > 0 && e.RequestContext[0] == 'n' { // null
		e.RequestContext = nil
	}
	switch {
	case w.HTTPMethod != "" && p.HTTPMethod != "":
		e.Kind = KindAPIGatewayV1
		e.Method = w.HTTPMethod
		e.Path = encodePath(w.Path)
		e.RawQuery = buildQuery(w.QueryStringParameters, w.MultiValueQueryStringParameters, escapeComponent)
		e.Header = buildHeader(w.Headers, w.MultiValueHeaders)
	case p.HTTP != nil:
		e.Kind = KindAPIGatewayV2
		e.Method = p.HTTP.Method
		path := w.RawPath
		if path == "" {
			path = p.HTTP.Path
		}
		e.Path = encodePath(path)
		e.RawQuery = normalizeQuery(w.RawQueryString)
		e.Header = buildHeader(w.Headers, nil)
		if len(w.Cookies) > 0 {
			addCookies(e.Header, w.Cookies)
		}
	case len(p.ELB) > 0 && p.ELB[0] == '{':
		e.Kind = KindALB
		e.Method = w.HTTPMethod
		e.Path = encodePath(w.Path)
		e.MultiValue = w.MultiValueHeaders != nil || w.MultiValueQueryStringParameters != nil
		// ALB passes the query as the client encoded it: keep that encoding, fixing only what
		// cannot go on a request line.
		e.RawQuery = buildQuery(w.QueryStringParameters, w.MultiValueQueryStringParameters, normalizeQuery)
		e.Header = buildHeader(w.Headers, w.MultiValueHeaders)
	case p.ServiceNetworkArn != "" && w.Version == "2.0":
		e.Kind = KindLattice
		e.Method = w.Method
		path, query, _ := strings.Cut(w.Path, "?")
		e.Path = encodePath(path)
		if len(w.QueryStringParameters) > 0 {
			e.RawQuery = buildQuery(w.QueryStringParameters, nil, escapeComponent)
		} else {
			e.RawQuery = normalizeQuery(query)
		}
		e.Header = buildHeader(w.Headers, nil)
	default:
		return &Event{Kind: KindPassThrough, Raw: payload, RequestContext: e.RequestContext}, nil
	}
	e.Raw = nil
	if e.Method == "" {
		e.Method = http.MethodGet
	}
	if w.Body != nil && *w.Body != "" {
		if w.IsBase64Encoded {
			body, err := decodeBase64(*w.Body)
			if err != nil {
				return nil, fmt.Errorf("decode %s event: body has isBase64Encoded=true but is not valid base64: %w", e.Kind, err)
			}
			e.Body = body
		} else {
			e.Body = []byte(*w.Body)
		}
	}
	return e, nil
}

// decodeBase64 decodes standard base64, padded or not; API Gateway always pads, hand-written test
// events often do not.
func decodeBase64(s string) ([]byte, error) {
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
		s = strings.TrimRight(s, "=")
	}
	out := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(out, []byte(s))
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}

// buildHeader merges the single- and multi-value header maps into canonical http.Header: every
// value of the multi-value map, plus the single-value entries whose name it lacks (API Gateway
// sends both, with the same names; the multi-value map is the complete one).
func buildHeader(single, multi map[string]strs) http.Header {
	h := make(http.Header, len(single)+len(multi))
	for k, vs := range multi {
		if len(vs) == 0 {
			continue
		}
		ck := textproto.CanonicalMIMEHeaderKey(k)
		h[ck] = append(h[ck], vs...)
	}
	for k, vs := range single {
		if len(vs) == 0 {
			continue
		}
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if _, ok := h[ck]; ok && len(multi) > 0 {
			if _, inMulti := lookupFold(multi, k); inMulti {
				continue
			}
		}
		h[ck] = append(h[ck], vs...)
	}
	// HTTP/1.1 allows one Cookie header (RFC 6265 section 5.4); many servers read only the first.
	if c := h["Cookie"]; len(c) > 1 {
		h["Cookie"] = []string{strings.Join(c, "; ")}
	}
	return h
}

// lookupFold reports whether m has key k, ignoring case.
func lookupFold(m map[string]strs, k string) (strs, bool) {
	if v, ok := m[k]; ok {
		return v, true
	}
	for mk, v := range m {
		if strings.EqualFold(mk, k) {
			return v, true
		}
	}
	return nil, false
}

// addCookies joins HTTP API v2 cookies into the Cookie header, after any the headers already had.
func addCookies(h http.Header, cookies []string) {
	n := 0
	for _, c := range cookies {
		if c != "" {
			n++
		}
	}
	if n == 0 {
		return
	}
	var b strings.Builder
	if old := h.Get("Cookie"); old != "" {
		b.WriteString(old)
	}
	for _, c := range cookies {
		if c == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c)
	}
	h["Cookie"] = []string{b.String()}
}

// buildQuery rebuilds a query string from the event's maps, keys sorted so the result is
// deterministic, each key and value passed through enc. Like headers, the multi-value map wins and
// single-value entries it lacks are added.
func buildQuery(single, multi map[string]strs, enc func(string) string) string {
	if len(single) == 0 && len(multi) == 0 {
		return ""
	}
	keys := make([]string, 0, len(single)+len(multi))
	for k := range multi {
		keys = append(keys, k)
	}
	for k := range single {
		if _, ok := multi[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vs, ok := multi[k]
		if !ok {
			vs = single[k]
		}
		ek := enc(k)
		if len(vs) == 0 {
			vs = strs{""}
		}
		for _, v := range vs {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(ek)
			b.WriteByte('=')
			b.WriteString(enc(v))
		}
	}
	return b.String()
}
