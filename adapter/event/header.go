package event

import (
	"net/textproto"

	"github.com/lwa-go/lwa/adapter/internal/httpsyntax"
)

// canonicalKey returns the canonical form of a header name (content-type → Content-Type), as
// textproto.CanonicalMIMEHeaderKey does, without allocating for common names. A name with bytes
// that are not token bytes is returned unchanged (and later dropped by cleanHeader).
func canonicalKey(name []byte) string {
	var buf [64]byte
	if len(name) > len(buf) {
		return textproto.CanonicalMIMEHeaderKey(string(name))
	}
	c := buf[:len(name)]
	upper := true
	for i, ch := range name {
		if !httpsyntax.IsTokenByte(ch) {
			return string(name)
		}
		switch {
		case upper && 'a' <= ch && ch <= 'z':
			ch -= 'a' - 'A'
		case !upper && 'A' <= ch && ch <= 'Z':
			ch += 'a' - 'A'
		}
		c[i] = ch
		upper = ch == '-'
	}
	if v, ok := commonHeaders[string(c)]; ok {
		return v
	}
	return string(c)
}

// commonHeaders interns the header names API Gateway, CloudFront, ALB and browsers send on most
// requests. A constant-like table.
var commonHeaders = func() map[string]string {
	names := []string{
		"Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control", "Connection",
		"Content-Length", "Content-Type", "Cookie", "Host", "If-Modified-Since", "If-None-Match",
		"Origin", "Pragma", "Priority", "Referer", "User-Agent", "Via", "Upgrade-Insecure-Requests",
		"Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform", "Sec-Fetch-Dest", "Sec-Fetch-Mode",
		"Sec-Fetch-Site", "Sec-Fetch-User", "X-Amz-Cf-Id", "X-Amzn-Trace-Id", "X-Amz-Date",
		"X-Amz-Security-Token", "X-Api-Key", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto",
		"X-Forwarded-Host", "X-Requested-With", "Cloudfront-Forwarded-Proto", "Cloudfront-Is-Desktop-Viewer",
		"Cloudfront-Is-Mobile-Viewer", "Cloudfront-Is-Smarttv-Viewer", "Cloudfront-Is-Tablet-Viewer",
		"Cloudfront-Viewer-Country", "Cloudfront-Viewer-Asn", "Cloudfront-Viewer-Address",
		"X-Amzn-Tls-Version", "X-Amzn-Tls-Cipher-Suite", "Postman-Token",
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = n
	}
	return m
}()
