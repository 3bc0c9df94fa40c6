package event

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// wire is what Decode reads of a payload: the union of the HTTP event shapes. Fields of other
// triggers are skipped (but validated).
type wire struct {
	version, httpMethod, method, path, rawPath, rawQuery string
	cookies                                              []string
	headers, multiHeaders                                http.Header
	query, multiQuery                                    []kv
	hasMulti                                             bool // multiValueHeaders or ...QueryStringParameters present

	body                  []byte // raw JSON string content, escapes not decoded
	bodyEscaped, isBase64 bool

	requestContext []byte // raw value
	rc             probe

	vals []string // backing array for header values
}

// probe is what tells the triggers apart, in requestContext.
type probe struct {
	httpMethod        string // v1
	http              bool   // v2: requestContext.http is an object
	httpMethodV2      string
	httpPath          string
	elb               bool // ALB: requestContext.elb is an object
	serviceNetworkArn string
}

// kv is one query parameter and its values.
type kv struct {
	key  string
	vals []string
}

// Decode detects the event type and decodes it. Invalid JSON and an invalid base64 body are errors;
// a valid JSON payload that is no HTTP event we know is a pass-through event.
//
// The Event refers to payload's memory (Raw, and Body when it was not base64-encoded): payload must
// not be modified while the Event is in use.
func Decode(payload []byte) (*Event, error) {
	s := scanner{data: payload}
	var w wire
	err := errWrongType
	if s.ws() == '{' {
		if err = w.parse(&s); err == nil {
			err = s.end()
		}
	}
	if errors.Is(err, errWrongType) {
		// Not an object, or a field named like an HTTP event's holding another type: only a
		// pass-through event can be that, and only if it is valid JSON.
		if !json.Valid(payload) {
			var v any
			return nil, fmt.Errorf("decode event: invalid JSON: %w", json.Unmarshal(payload, &v))
		}
		return &Event{Kind: KindPassThrough, Raw: payload}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	e := &Event{}
	if len(w.requestContext) > 0 && string(w.requestContext) != "null" {
		e.RequestContext = w.requestContext
	}
	switch {
	case w.httpMethod != "" && w.rc.httpMethod != "":
		e.Kind = KindAPIGatewayV1
		e.Method = w.httpMethod
		e.Path = encodePath(w.path)
		e.RawQuery = buildQuery(w.query, w.multiQuery, escapeComponent)
		e.Header = mergeHeader(w.headers, w.multiHeaders)
	case w.rc.http:
		e.Kind = KindAPIGatewayV2
		e.Method = w.rc.httpMethodV2
		path := w.rawPath
		if path == "" {
			path = w.rc.httpPath
		}
		e.Path = encodePath(path)
		e.RawQuery = normalizeQuery(w.rawQuery)
		e.Header = mergeHeader(w.headers, nil)
		addCookies(e.Header, w.cookies)
	case w.rc.elb:
		e.Kind = KindALB
		e.Method = w.httpMethod
		e.Path = encodePath(w.path)
		e.MultiValue = w.hasMulti
		// ALB passes the query as the client encoded it: keep that encoding, fixing only what
		// cannot go on a request line.
		e.RawQuery = buildQuery(w.query, w.multiQuery, normalizeQuery)
		e.Header = mergeHeader(w.headers, w.multiHeaders)
	case w.rc.serviceNetworkArn != "" && w.version == "2.0":
		e.Kind = KindLattice
		e.Method = w.method
		path, query, _ := strings.Cut(w.path, "?")
		e.Path = encodePath(path)
		// Lattice sends decoded values, like API Gateway; some samples put the query in the path.
		if len(w.query) > 0 {
			e.RawQuery = buildQuery(w.query, nil, escapeComponent)
		} else {
			e.RawQuery = normalizeQuery(query)
		}
		e.Header = mergeHeader(w.headers, nil)
	default:
		e.Kind = KindPassThrough
		e.Raw = payload
		return e, nil
	}
	if e.Method == "" {
		e.Method = http.MethodGet
	}
	if len(w.body) > 0 {
		if e.Body, err = w.decodeBody(); err != nil {
			return nil, fmt.Errorf("decode %s event: body has isBase64Encoded=true but is not valid base64: %w", e.Kind, err)
		}
	}
	return e, nil
}

// decodeBody returns the body bytes: base64-decoded straight from the payload, or the text itself.
func (w *wire) decodeBody() ([]byte, error) {
	b := w.body
	if w.bodyEscaped {
		b = unescape(b)
	}
	if !w.isBase64 {
		return b, nil
	}
	// API Gateway always pads; hand-written test events often do not.
	enc := base64.StdEncoding
	if len(b)%4 != 0 {
		enc = base64.RawStdEncoding
		for len(b) > 0 && b[len(b)-1] == '=' {
			b = b[:len(b)-1]
		}
	}
	out := make([]byte, enc.DecodedLen(len(b)))
	n, err := enc.Decode(out, b)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}

// parse reads the top-level object.
func (w *wire) parse(s *scanner) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "version":
			return s.stringOrNull(&w.version)
		case "httpMethod":
			return s.stringOrNull(&w.httpMethod)
		case "method":
			return s.stringOrNull(&w.method)
		case "path":
			return s.stringOrNull(&w.path)
		case "rawPath":
			return s.stringOrNull(&w.rawPath)
		case "rawQueryString":
			return s.stringOrNull(&w.rawQuery)
		case "cookies":
			w.cookies = w.cookies[:0]
			return s.strings(func(v string) { w.cookies = append(w.cookies, v) })
		case "headers":
			return w.header(s, &w.headers)
		case "multiValueHeaders":
			w.hasMulti = w.hasMulti || s.ws() == '{'
			return w.header(s, &w.multiHeaders)
		case "queryStringParameters":
			return w.queryMap(s, &w.query)
		case "multiValueQueryStringParameters":
			w.hasMulti = w.hasMulti || s.ws() == '{'
			return w.queryMap(s, &w.multiQuery)
		case "body":
			switch s.ws() {
			case '"':
				var err error
				w.body, w.bodyEscaped, err = s.str()
				return err
			case 'n':
				w.body = nil
				return s.literal("null")
			}
			return s.wrongType()
		case "isBase64Encoded":
			return s.boolOrNull(&w.isBase64)
		case "requestContext":
			// The value starts after any whitespace, so that `"requestContext": null` is seen as
			// null, not as a context " null".
			c := s.ws()
			start := s.pos
			if c == '{' {
				if err := w.parseRequestContext(s); err != nil {
					return err
				}
			} else if err := s.skip(); err != nil {
				return err
			}
			w.requestContext = s.data[start:s.pos]
			return nil
		}
		return s.skip()
	})
}

// parseRequestContext reads what tells the triggers apart.
func (w *wire) parseRequestContext(s *scanner) error {
	w.rc = probe{}
	return s.object(func(key []byte) error {
		switch string(key) {
		case "httpMethod":
			return s.stringOrNull(&w.rc.httpMethod)
		case "serviceNetworkArn":
			return s.stringOrNull(&w.rc.serviceNetworkArn)
		case "elb":
			w.rc.elb = s.ws() == '{'
			return s.skip()
		case "http":
			switch s.ws() {
			case '{':
				w.rc.http = true
				return s.object(func(key []byte) error {
					switch string(key) {
					case "method":
						return s.stringOrNull(&w.rc.httpMethodV2)
					case "path":
						return s.stringOrNull(&w.rc.httpPath)
					}
					return s.skip()
				})
			case 'n':
				w.rc.http = false
				return s.literal("null")
			}
			return s.wrongType()
		}
		return s.skip()
	})
}

// header reads a header map (values: strings or arrays of strings) into canonical http.Header.
func (w *wire) header(s *scanner, dst *http.Header) error {
	if s.ws() == 'n' {
		return s.literal("null")
	}
	if s.ws() != '{' {
		return s.wrongType()
	}
	h := make(http.Header, 16)
	if w.vals == nil {
		w.vals = make([]string, 0, 32)
	}
	err := s.object(func(key []byte) error {
		k := canonicalKey(key)
		start := len(w.vals)
		if err := s.strings(func(v string) { w.vals = append(w.vals, v) }); err != nil {
			return err
		}
		if len(w.vals) == start {
			return nil
		}
		vs := w.vals[start:len(w.vals):len(w.vals)] // capped: appending elsewhere copies
		if old, ok := h[k]; ok {
			vs = append(old, vs...)
		}
		h[k] = vs
		return nil
	})
	*dst = h
	return err
}

// queryMap reads a query parameter map (values: strings or arrays of strings).
func (w *wire) queryMap(s *scanner, dst *[]kv) error {
	if s.ws() == 'n' {
		return s.literal("null")
	}
	if s.ws() != '{' {
		return s.wrongType()
	}
	var q []kv
	err := s.object(func(key []byte) error {
		p := kv{key: string(key)}
		if err := s.strings(func(v string) { p.vals = append(p.vals, v) }); err != nil {
			return err
		}
		q = append(q, p)
		return nil
	})
	*dst = q
	return err
}

// mergeHeader merges the single- and multi-value header maps: every value of the multi-value map,
// plus the single-value entries whose name it lacks (API Gateway sends both, with the same names;
// the multi-value map is the complete one).
func mergeHeader(single, multi http.Header) http.Header {
	h := multi
	switch {
	case h == nil && single == nil:
		h = make(http.Header)
	case h == nil:
		h = single
	default:
		for k, vs := range single {
			if _, ok := h[k]; !ok {
				h[k] = vs
			}
		}
	}
	// HTTP/1.1 allows one Cookie header (RFC 6265 section 5.4); many servers read only the first.
	if c := h["Cookie"]; len(c) > 1 {
		h["Cookie"] = []string{strings.Join(c, "; ")}
	}
	return h
}

// addCookies sets the Cookie header of an HTTP API v2 or Function URL event from its cookies array,
// the complete list of the request's cookies: a Function URL sends the same cookies again in
// headers.cookie (AWS's sample event function-url-request-with-headers-and-cookies-and-text-body),
// so appending would give the app every cookie twice (issue 14). The header's copy is kept only when
// the array is absent or holds no cookie.
func addCookies(h http.Header, cookies []string) {
	var b strings.Builder
	for _, c := range cookies {
		if c == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c)
	}
	if b.Len() > 0 {
		h["Cookie"] = []string{b.String()}
	}
}

// buildQuery rebuilds a query string from the event's maps, keys sorted so the result is
// deterministic, each key and value passed through enc. As for headers, the multi-value map wins
// and single-value entries it lacks are added; a key repeated in one map keeps its last entry, as a
// JSON decoder would.
func buildQuery(single, multi []kv, enc func(string) string) string {
	if len(single) == 0 && len(multi) == 0 {
		return ""
	}
	params := append(lastPerKey(multi), lastPerKey(single)...)
	slices.SortStableFunc(params, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	var b strings.Builder
	for i, p := range params {
		if i > 0 && params[i-1].key == p.key {
			continue // a single-value entry the multi-value map has
		}
		ek := enc(p.key)
		vals := p.vals
		if len(vals) == 0 {
			vals = []string{""}
		}
		for _, v := range vals {
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

// lastPerKey returns q with only the last entry of each key, in key order.
func lastPerKey(q []kv) []kv {
	out := slices.Clone(q)
	slices.SortStableFunc(out, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	n := 0
	for i := range out {
		if i+1 < len(out) && out[i+1].key == out[i].key {
			continue
		}
		out[n] = out[i]
		n++
	}
	return out[:n]
}
