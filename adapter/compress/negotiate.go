package compress

import (
	"strconv"
	"strings"
)

// Negotiate picks the encoding for an Accept-Encoding value: "br", "gzip", or "" for none. The
// highest q-value wins, br on a tie; q=0 refuses an encoding; "*" stands for any encoding not
// named; "x-gzip" is gzip. A malformed q-value counts as q=0, so a garbled header never gets a body
// the client may not decode.
func Negotiate(acceptEncoding string) string {
	if acceptEncoding == "" {
		return ""
	}
	qBr, qGzip, qStar := -1.0, -1.0, -1.0 // -1: not named
	for part := range strings.SplitSeq(acceptEncoding, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		q := parseQ(params)
		switch {
		case strings.EqualFold(name, Brotli):
			qBr = max(qBr, q)
		case strings.EqualFold(name, Gzip), strings.EqualFold(name, "x-gzip"):
			qGzip = max(qGzip, q)
		case name == "*":
			qStar = max(qStar, q)
		}
	}
	if qBr < 0 {
		qBr = qStar
	}
	if qGzip < 0 {
		qGzip = qStar
	}
	switch {
	case qBr <= 0 && qGzip <= 0:
		return ""
	case qBr >= qGzip:
		return Brotli
	}
	return Gzip
}

// parseQ reads the q parameter of one Accept-Encoding element: 1 when absent, 0 when malformed.
func parseQ(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 || q > 1 || q != q {
			return 0
		}
		return q
	}
	return 1
}
