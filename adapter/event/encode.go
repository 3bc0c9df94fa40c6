package event

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Encode returns the JSON the trigger expects for resp:
//
//   - API Gateway REST (v1): statusCode, multiValueHeaders (every value), body, isBase64Encoded.
//   - HTTP API v2 / Function URL: statusCode, headers (repeated values joined with ","), cookies
//     (every Set-Cookie), body, isBase64Encoded.
//   - ALB: statusCode, statusDescription ("200 OK"), multiValueHeaders when the target group sent
//     multi-value headers, else headers (joined with ","), body, isBase64Encoded.
//   - VPC Lattice v2: statusCode, statusDescription, headers (joined), body, isBase64Encoded.
//   - pass-through: the body itself when it is JSON; null when empty; else the body as a JSON string
//     (base64 when not UTF-8).
//
// The body is text when it is valid UTF-8 and either untyped, of a text type (text/*, JSON,
// JavaScript, XML, YAML), or marked x-lambda-http-content-encoding: text by the app; anything with
// a Content-Encoding, invalid UTF-8 or another type goes as base64, so no byte is ever changed.
// Hop-by-hop headers (Connection, Transfer-Encoding...) are dropped; x-lambda-http-content-encoding
// is sent on, as lambda_http does. Header names are taken case-insensitively, even in a header map
// built by hand.
func Encode(e *Event, resp *Response) ([]byte, error) {
	if e == nil || resp == nil {
		return nil, errors.New("encode response: nil event or response")
	}
	if e.Kind == KindPassThrough {
		return encodePassThrough(resp.Body), nil
	}
	h := canonical(resp.Header) // names in any case, as for StreamPrelude
	keys := responseKeys(h)
	text := isText(h, resp.Body)
	dst := make([]byte, 0, 256+len(keys)*48+bodySize(resp.Body, text))

	dst = append(dst, `{"statusCode":`...)
	dst = appendInt(dst, int64(resp.StatusCode))
	if e.Kind == KindALB || e.Kind == KindLattice {
		dst = append(dst, `,"statusDescription":`...)
		dst = appendString(dst, statusDescription(resp.StatusCode))
	}
	switch {
	case e.Kind == KindAPIGatewayV1 || e.Kind == KindALB && e.MultiValue:
		dst = append(dst, `,"multiValueHeaders":`...)
		dst = appendMultiHeaders(dst, h, keys)
	case e.Kind == KindAPIGatewayV2:
		dst = append(dst, `,"headers":`...)
		dst = appendJoinedHeaders(dst, h, keys, true, "")
		dst = append(dst, `,"cookies":`...)
		dst = appendStrings(dst, h["Set-Cookie"])
	default:
		dst = append(dst, `,"headers":`...)
		dst = appendJoinedHeaders(dst, h, keys, false, "")
	}
	dst = append(dst, `,"body":`...)
	dst = appendBody(dst, resp.Body, text)
	if text {
		dst = append(dst, `,"isBase64Encoded":false}`...)
	} else {
		dst = append(dst, `,"isBase64Encoded":true}`...)
	}
	return dst, nil
}

// encodePassThrough returns the result of a non-HTTP invocation: the app's JSON as is, so SQS batch
// item failures and the like reach Lambda; other bodies as a JSON string instead of being lost.
func encodePassThrough(body []byte) []byte {
	switch {
	case len(body) == 0:
		return []byte("null")
	case json.Valid(body):
		return body
	}
	text := utf8.Valid(body)
	return appendBody(make([]byte, 0, bodySize(body, text)), body, text)
}

// bodySize is the room the body takes in the JSON, for one allocation of the output: quotes and
// backslashes, the escapes JSON bodies are full of, are counted (bytes.Count is vectorised).
func bodySize(body []byte, text bool) int {
	if text {
		return len(body) + bytes.Count(body, []byte{'"'}) + bytes.Count(body, []byte{'\\'}) + len(body)/64 + 2
	}
	return base64.StdEncoding.EncodedLen(len(body)) + 2
}

// appendBody appends the body as a JSON string: escaped text, or base64.
func appendBody(dst, body []byte, text bool) []byte {
	if text {
		return appendString(dst, body)
	}
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, body)
	return append(dst, '"')
}

// HeaderBodyEncoding is the response header with which an app asks for its body to go as text
// whatever its Content-Type ("x-lambda-http-content-encoding: text"), as lambda_http, and so AWS's
// Rust adapter, honours it.
const HeaderBodyEncoding = "X-Lambda-Http-Content-Encoding"

// isText says whether a body can go as a JSON string without changing a byte.
//
// A Content-Encoding (gzip, br...) means compressed, binary bytes: base64 even when the app asks for
// text, as lambda_http does. x-lambda-http-content-encoding: text (any case) makes any Content-Type
// text, but a body that is not valid UTF-8 still goes as base64: as text it would be altered
// (lambda_http replaces invalid sequences with U+FFFD).
func isText(h http.Header, body []byte) bool {
	if len(body) == 0 {
		return true
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(strings.TrimSpace(ce), "identity") {
		return false
	}
	ct := h.Get("Content-Type")
	if ct != "" && !IsTextType(ct) && !wantsText(h) {
		return false
	}
	return utf8.Valid(body)
}

// wantsText reports whether the app marked its response x-lambda-http-content-encoding: text. The
// first value counts, as in lambda_http; its case and surrounding spaces do not.
func wantsText(h http.Header) bool {
	v := h[HeaderBodyEncoding]
	return len(v) > 0 && strings.EqualFold(strings.TrimSpace(v[0]), "text")
}

// IsTextType reports whether a Content-Type is text: text/*, application/json, javascript, xml or
// yaml, and any +json, +xml or +yaml type. Parameters (charset...) are ignored.
func IsTextType(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	if len(mt) >= 5 && strings.EqualFold(mt[:5], "text/") {
		return true
	}
	if len(mt) < 12 || !strings.EqualFold(mt[:12], "application/") {
		return false
	}
	sub := mt[12:]
	for _, t := range [...]string{"json", "javascript", "x-javascript", "ecmascript", "xml", "yaml", "x-yaml"} {
		if strings.EqualFold(sub, t) {
			return true
		}
	}
	if i := strings.LastIndexByte(sub, '+'); i >= 0 {
		switch suffix := sub[i+1:]; {
		case strings.EqualFold(suffix, "json"), strings.EqualFold(suffix, "xml"), strings.EqualFold(suffix, "yaml"):
			return true
		}
	}
	return false
}

// statusDescription is "200 OK", as ALB and VPC Lattice want it.
func statusDescription(code int) string {
	s := strconv.Itoa(code)
	if t := http.StatusText(code); t != "" {
		s += " " + t
	}
	return s
}

// isHopByHopResponse reports the response headers that describe the app's connection to the adapter
// (RFC 9110 section 7.6.1), plus those the Connection header names.
func isHopByHopResponse(name string, connection []string) bool {
	switch name {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "Te", "Trailer":
		return true
	}
	for _, v := range connection {
		for tok := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), name) {
				return true
			}
		}
	}
	return false
}

// responseKeys returns the header names to send, sorted so the output is deterministic.
func responseKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	conn := h["Connection"]
	for k, vs := range h {
		if len(vs) > 0 && !isHopByHopResponse(k, conn) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// appendMultiHeaders appends {"Name":["v1","v2"],...}.
func appendMultiHeaders(dst []byte, h http.Header, keys []string) []byte {
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendHeaderKey(dst, k)
		dst = appendStrings(dst, h[k])
	}
	return append(dst, '}')
}

// appendJoinedHeaders appends {"Name":"v1,v2",...}; Set-Cookie is left out when it goes in cookies.
// lead, when not empty, is a member already encoded that goes first.
func appendJoinedHeaders(dst []byte, h http.Header, keys []string, skipSetCookie bool, lead string) []byte {
	dst = append(dst, '{')
	dst = append(dst, lead...)
	first := lead == ""
	for _, k := range keys {
		if skipSetCookie && k == "Set-Cookie" {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendHeaderKey(dst, k)
		dst = appendJoined(dst, h[k])
	}
	return append(dst, '}')
}

// appendJoined appends the values as one JSON string, joined with ",".
func appendJoined(dst []byte, vs []string) []byte {
	if len(vs) == 1 {
		return appendString(dst, vs[0])
	}
	return appendString(dst, strings.Join(vs, ","))
}

// appendStrings appends a JSON array of strings ([] when empty).
func appendStrings(dst []byte, vs []string) []byte {
	dst = append(dst, '[')
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, v)
	}
	return append(dst, ']')
}
