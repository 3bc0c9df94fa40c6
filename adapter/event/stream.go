package event

import (
	"maps"
	"net/http"
	"slices"
)

// canonical returns h with canonical keys, or h itself when it already is: net/http builds it so,
// a map literal may not. Keys that differ only in case are merged in sorted key order, so the
// output stays deterministic.
func canonical(h http.Header) http.Header {
	for k := range h {
		if http.CanonicalHeaderKey(k) != k {
			c := make(http.Header, len(h))
			for _, k := range slices.Sorted(maps.Keys(h)) {
				ck := http.CanonicalHeaderKey(k)
				c[ck] = append(c[ck], h[k]...)
			}
			return c
		}
	}
	return h
}

// preludeSeparator ends the JSON prelude of a streamed HTTP integration response.
const preludeSeparator = "\x00\x00\x00\x00\x00\x00\x00\x00"

// StreamPrelude returns the start of a streamed response (Content-Type
// application/vnd.awslambda.http-integration-response): the JSON
//
//	{"statusCode":200,"headers":{"content-type":"text/html"},"cookies":["a=1"]}
//
// followed by 8 NUL bytes, after which the body bytes go as they come. Set-Cookie values go in
// cookies, repeated headers are joined with ",", hop-by-hop headers are dropped, and Content-Type
// defaults to application/octet-stream, as Lambda would otherwise assume. Header names are
// taken case-insensitively, as HTTP does, even in a header map built by hand, and written in lower case.
// The body is never base64 here, so x-lambda-http-content-encoding is sent on as any other header.
func StreamPrelude(statusCode int, header http.Header) ([]byte, error) {
	header = canonical(header)
	keys := responseKeys(header)
	dst := make([]byte, 0, 96+len(keys)*48)
	dst = append(dst, `{"statusCode":`...)
	dst = appendInt(dst, int64(statusCode))
	dst = append(dst, `,"headers":`...)
	lead := ""
	if len(header["Content-Type"]) == 0 {
		lead = `"content-type":"application/octet-stream"`
	}
	dst = appendJoinedHeaders(dst, header, keys, true, lead)
	dst = append(dst, `,"cookies":`...)
	dst = appendStrings(dst, header["Set-Cookie"])
	dst = append(dst, '}')
	return append(dst, preludeSeparator...), nil
}
