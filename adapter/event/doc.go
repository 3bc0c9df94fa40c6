// Package event translates Lambda invocation payloads into HTTP requests for the app, and the app's
// responses back into the JSON each trigger expects. It does no I/O: every function here is pure, so
// it is tested with table-driven golden files.
//
// The data path for one invocation is
//
//	ev, err := event.Decode(payload)              // which trigger, method, path, query, headers, body
//	req, err := ev.Request(ctx, opts)             // the *http.Request for the app
//	out, err := event.Encode(ev, &event.Response{...}) // the JSON Lambda returns to the trigger
//
// or, in response streaming mode, StreamPrelude followed by the body bytes.
//
// Behaviour, where the Lambda event formats leave a choice (for docs/ and the README):
//
// Requests
//   - Detection order: REST v1 (httpMethod and requestContext.httpMethod), HTTP API v2 / Function URL
//     (requestContext.http), ALB (requestContext.elb), VPC Lattice v2 (requestContext.serviceNetworkArn
//     and version "2.0"); any other valid JSON is passed through. A field named like an HTTP event's
//     but of another type (e.g. "headers": 5) makes the event pass-through, as with encoding/json.
//   - Host: the client's Host header from the event (API Gateway domain, ALB DNS name...) is the
//     request's Host, as AWS's Rust adapter does (hyper only adds Host when absent); the app's
//     host:port when the event has none or an invalid one. The connection always goes to opts.Host.
//   - Fields AWS sends twice: each request field is built from one source, never from both, so
//     nothing reaches the app twice (issue 14: a Function URL's cookies were). Sources:
//     [v2] API Gateway developer guide, "Create AWS Lambda proxy integrations for HTTP APIs",
//     payload format differences (docs.aws.amazon.com/apigateway/latest/developerguide/
//     http-api-develop-integrations-lambda.html); [v1] the same guide's REST proxy input format
//     (set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format);
//     [alb] ELB guide, "Lambda functions as targets", multi-value headers
//     (elasticloadbalancing/latest/application/lambda-functions.html#multi-value-headers);
//     [url] Lambda developer guide, Function URL request payload (lambda/latest/dg/urls-invocation.html)
//     and aws-lambda-go v1.55.1's sample lambdaurl/testdata/function-url-request-with-headers-and-
//     cookies-and-text-body.json (testdata/events/aws-lambdaurl-...): cookies ["foo=bar",
//     "hello=hello"] and headers.cookie "foo=bar; hello=hello".
//   - cookies vs headers.cookie (v2, Function URL): the cookies array is the Cookie header, its
//     entries joined with "; " (RFC 6265 section 5.4); a cookie entry in headers is used only when
//     the array is absent, null, or holds no non-empty cookie. [v2] says every Cookie header of the
//     request is put in cookies; [url]'s sample carries the same cookies in both. AWS's Rust runtime
//     (lambda_http, used by aws-lambda-web-adapter) also replaces the header with the array
//     (HeaderMap::insert of the cookies joined with ";"; older releases appended, as lwa did).
//   - multiValueHeaders vs headers (REST v1, ALB with multi-value): multiValueHeaders is complete,
//     headers holds only the last value of each [v1]; so multiValueHeaders wins and a headers entry
//     is added only for a name it lacks. Repeated Cookie values are joined with "; ".
//   - multiValueQueryStringParameters vs queryStringParameters: the same rule, per key.
//   - ALB with and without multi-value: [alb] sends one pair or the other (multiValueHeaders and
//     multiValueQueryStringParameters when the target group enables lambda.multi_value_headers,
//     else headers and queryStringParameters, the last value of each); both are read with the rule
//     above, and MultiValue records which shape the response must take.
//   - rawQueryString vs queryStringParameters (v2, Function URL): rawQueryString, the query as the
//     client sent it; queryStringParameters joins repeated values with commas [v2], so
//     "a=1&a=2" and "a=1,2" would be indistinguishable. Without rawQueryString the query is empty, as
//     in lambda_http (AWS always sends it, "" when there is no query).
//   - rawPath vs requestContext.http.path (v2, Function URL): rawPath, as lambda_http; the context's
//     path only when rawPath is absent or empty (hand-written events). [v2]: neither includes a
//     custom domain's API mapping.
//   - Query: REST v1 and Lattice values are decoded by AWS and encoded here once (RFC 3986
//     unreserved bytes kept, space as %20, '+' as %2B), keys sorted, value order kept. ALB values
//     arrive as the client encoded them and v2 sends rawQueryString: both are kept, encoding only
//     what cannot go on a request line (controls, space, '#', non-ASCII, a '%' starting no %XX).
//     An empty value is "key=".
//   - Path: encoded once; control bytes in a path are percent-encoded, not stripped, so the app sees
//     what the client sent and routing does not silently change.
//   - Dropped request headers: hop-by-hop ones (Connection, Keep-Alive, Proxy-Connection, Upgrade,
//     TE, Trailer, Transfer-Encoding), Expect (net/http would wait for a 100 Continue) and
//     Content-Length (set from the decoded body). Header names that are not HTTP tokens are dropped;
//     control bytes (but tab) are stripped from values.
//   - Context headers: x-amzn-request-context is on every request, as with AWS's Rust adapter: the
//     HTTP event's requestContext verbatim (compacted when pretty-printed, DEL written as \u007f), and
//     the JSON literal null for pass-through events (the Rust adapter's RequestContext::PassThrough),
//     even those with a requestContext of their own (WebSocket events without httpMethod: the body,
//     the whole event, has it), and for an HTTP event whose requestContext is absent or null. It,
//     x-amzn-lambda-context, x-amz-tenant-id (removed when the invocation has no tenant) and
//     x-amzn-trace-id (the event's own is kept when Lambda gives none) overwrite client values.
//   - Base64 bodies are accepted with or without padding.
//
// Responses
//   - Text when valid UTF-8 and untyped, of a text type, or marked by the app with the header
//     x-lambda-http-content-encoding: text (any case), which lambda_http honours; a text type or that
//     mark with invalid UTF-8 (say, Latin-1) goes as base64 rather than be altered: lwa never changes
//     a body byte, where lambda_http would replace invalid bytes with U+FFFD. A Content-Encoding other
//     than identity (a compressed body) is base64 even with the mark, as in lambda_http. The mark is
//     sent on to the client, as lambda_http does, and is no more than a header in streaming mode
//     (the prelude has no isBase64Encoded; the body is raw bytes).
//   - Repeated headers in single-value maps (v2, ALB without multi-value, Lattice) are joined with
//     ","; for ALB that includes Set-Cookie, so enable multi-value headers on the target group when
//     an app sets several cookies.
//   - Dropped response headers: Connection and the headers it names, Keep-Alive, Proxy-Connection,
//     Transfer-Encoding, Upgrade, TE, Trailer. Content-Length is kept (compress removes it).
//   - Pass-through: a JSON body is the result; an empty body is null (Lambda reads it as success for
//     SQS batch responses); any other body is a JSON string, base64 when not UTF-8.
package event
