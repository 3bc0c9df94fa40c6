package testenv

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
)

// RESTv1 builds an API Gateway REST API (payload 1.0) proxy event from the same description as V2:
// cookies travel in a Cookie header, query values decoded, both single- and multi-value maps.
func RESTv1(e HTTPEvent) []byte {
	headers := v1Headers(e)
	query := v1Query(e.Query, false)
	ev := map[string]any{
		"resource": "/{proxy+}", "path": e.Path, "httpMethod": methodOr(e.Method),
		"headers": lastValues(headers), "multiValueHeaders": headers,
		"queryStringParameters": nilIfEmpty(lastValues(query)), "multiValueQueryStringParameters": nilIfEmpty(query),
		"requestContext": map[string]any{
			"accountId": "123456789012", "resourceId": "abc", "stage": "prod", "requestId": "req-v1",
			"identity": map[string]any{"sourceIp": "203.0.113.9"}, "resourcePath": "/{proxy+}",
			"httpMethod": methodOr(e.Method), "apiId": "1234567890", "path": "/prod" + e.Path,
		},
		"body": bodyOf(e), "isBase64Encoded": e.Base64,
	}
	b, _ := json.Marshal(ev) // maps of strings, numbers and bools always marshal
	return b
}

// ALB builds an Application Load Balancer event with multi-value headers enabled (the setting that
// lets a response carry several Set-Cookie headers); query values stay percent-encoded, as ALB
// sends them.
func ALB(e HTTPEvent) []byte {
	ev := map[string]any{
		"requestContext": map[string]any{"elb": map[string]any{
			"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/abc"}},
		"httpMethod": methodOr(e.Method), "path": e.Path,
		"multiValueHeaders": v1Headers(e), "multiValueQueryStringParameters": v1Query(e.Query, true),
		"body": bodyOf(e), "isBase64Encoded": e.Base64,
	}
	b, _ := json.Marshal(ev)
	return b
}

func methodOr(m string) string {
	if m == "" {
		return "GET"
	}
	return m
}

func bodyOf(e HTTPEvent) any {
	switch {
	case e.Base64:
		return base64.StdEncoding.EncodeToString(e.Body)
	case len(e.Body) > 0:
		return string(e.Body)
	}
	return nil
}

func v1Headers(e HTTPEvent) map[string][]string {
	h := map[string][]string{"host": {"abc123.execute-api.us-east-1.amazonaws.com"}, "user-agent": {"lwa-e2e"}}
	for k, v := range e.Headers {
		h[strings.ToLower(k)] = []string{v}
	}
	if len(e.Cookies) > 0 {
		h["cookie"] = []string{strings.Join(e.Cookies, "; ")}
	}
	return h
}

// v1Query splits a raw query string; encoded keeps each key and value as the client encoded it.
func v1Query(raw string, encoded bool) map[string][]string {
	out := map[string][]string{}
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if !encoded {
			k, _ = url.QueryUnescape(k)
			v, _ = url.QueryUnescape(v)
		}
		out[k] = append(out[k], v)
	}
	return out
}

func lastValues(m map[string][]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v[len(v)-1] // API Gateway keeps the last value in the single-value map
	}
	return out
}

func nilIfEmpty[M ~map[string]V, V any](m M) any {
	if len(m) == 0 {
		return nil
	}
	return m
}
