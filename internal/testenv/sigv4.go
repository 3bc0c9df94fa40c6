package testenv

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// SigV4 verifies AWS Signature Version 4 (header form, AWS4-HMAC-SHA256) the way an AWS service
// does, derived from AWS's documentation of the algorithm ("Create a signed AWS API request"),
// independently of any SDK's signer: a fake service that used the SDK to check the SDK would prove
// nothing.
type SigV4 struct {
	AccessKey, SecretKey, SessionToken string
	Service                            string
	// Now is the server's clock (default time.Now); requests more than 15 minutes off are refused,
	// as AWS does.
	Now func() time.Time
}

// SignedRequest is what a verified request was signed for.
type SignedRequest struct {
	Region        string
	Date          time.Time
	SignedHeaders []string
	Body          []byte
}

// Verify checks r's Authorization header and returns the request body (read whole). Its error says
// what did not match, as AWS's InvalidSignatureException message would.
func (s SigV4) Verify(r *http.Request) (SignedRequest, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return SignedRequest{}, fmt.Errorf("read body: %w", err)
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	out := SignedRequest{Body: body}

	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return out, fmt.Errorf("the Authorization header %q is not AWS4-HMAC-SHA256", auth)
	}
	fields := map[string]string{}
	for _, f := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 5 || cred[4] != "aws4_request" {
		return out, fmt.Errorf("credential %q is not KEY/DATE/REGION/SERVICE/aws4_request", fields["Credential"])
	}
	if cred[0] != s.AccessKey {
		return out, fmt.Errorf("unknown access key %q", cred[0])
	}
	if cred[3] != s.Service {
		return out, fmt.Errorf("credential scope is for service %q, not %q", cred[3], s.Service)
	}
	amzDate := r.Header.Get("X-Amz-Date")
	date, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil {
		return out, fmt.Errorf("X-Amz-Date %q: %w", amzDate, err)
	}
	if cred[1] != date.Format("20060102") {
		return out, fmt.Errorf("credential date %s is not X-Amz-Date's day %s", cred[1], amzDate)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if d := now().Sub(date); d > 15*time.Minute || d < -15*time.Minute {
		return out, fmt.Errorf("signature expired: X-Amz-Date %s is %s from the server's time", amzDate, d)
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	if !sort.StringsAreSorted(signed) || !slices.Contains(signed, "host") || !slices.Contains(signed, "x-amz-date") {
		return out, fmt.Errorf("SignedHeaders %q must be sorted and include host and x-amz-date", fields["SignedHeaders"])
	}
	if s.SessionToken != "" && (r.Header.Get("X-Amz-Security-Token") != s.SessionToken || !slices.Contains(signed, "x-amz-security-token")) {
		return out, fmt.Errorf("session token missing, wrong or not signed")
	}
	out.Region, out.Date, out.SignedHeaders = cred[2], date, signed

	canonical := s.CanonicalRequest(r, signed, body)
	scope := strings.Join(cred[1:], "/")
	want := s.Signature(date, cred[2], scope, canonical)
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return out, fmt.Errorf("the request signature we calculated does not match the signature you provided; canonical request:\n%s", canonical)
	}
	return out, nil
}

// Signature is HMAC-SHA256 of the string to sign with the key derived from the secret, date,
// region and service.
func (s SigV4) Signature(date time.Time, region, scope, canonicalRequest string) string {
	hash := sha256.Sum256([]byte(canonicalRequest))
	toSign := "AWS4-HMAC-SHA256\n" + date.UTC().Format("20060102T150405Z") + "\n" + scope + "\n" + hex.EncodeToString(hash[:])
	key := hmacSHA256([]byte("AWS4"+s.SecretKey), date.UTC().Format("20060102"))
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, s.Service)
	key = hmacSHA256(key, "aws4_request")
	return hex.EncodeToString(hmacSHA256(key, toSign))
}

// CanonicalRequest builds the canonical request: method, URI (each path segment URI-encoded
// again, as every service but S3 wants), sorted query, the signed headers (lower-case names,
// values trimmed with inner runs of spaces collapsed), the signed header list, the body's SHA-256.
func (s SigV4) CanonicalRequest(r *http.Request, signed []string, body []byte) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		segs[i] = uriEncode(seg)
	}
	b.WriteString(strings.Join(segs, "/") + "\n")
	b.WriteString(canonicalQuery(r.URL.RawQuery) + "\n")
	for _, h := range signed {
		var vals []string
		if h == "host" {
			vals = []string{r.Host}
		} else {
			vals = r.Header.Values(h)
		}
		for i, v := range vals {
			vals[i] = strings.Join(strings.Fields(v), " ")
		}
		b.WriteString(h + ":" + strings.Join(vals, ",") + "\n")
	}
	b.WriteString("\n" + strings.Join(signed, ";") + "\n")
	sum := sha256.Sum256(body)
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String()
}

func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	var pairs []string
	for _, kv := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(kv, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		pairs = append(pairs, uriEncode(k)+"="+uriEncode(v))
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// uriEncode percent-encodes every byte but the RFC 3986 unreserved characters, with upper-case hex.
func uriEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
