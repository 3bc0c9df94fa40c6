package local

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Answer is the HTTP response the trigger gives its client.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Failure is a way an invocation can fail that the trigger answers itself.
type Failure int

// The failures a trigger answers in its own words (docs/local.md has the table and the sources).
const (
	FunctionFailed   Failure = iota // the function returned an error, crashed or timed out
	Malformed                       // the function's answer is not in the trigger's response format
	RequestTooLarge                 // Lambda (or the trigger) refused the request's size
	ResponseTooLarge                // the function's answer is over the limit
)

// response is the union of the response shapes the triggers read (payload 1.0 and 2.0, ALB,
// Lattice); which fields count depends on the trigger.
type response struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// Answer turns the function's payload into the trigger's HTTP response.
func (t Trigger) Answer(payload []byte) Answer {
	var r response
	isObject := len(bytes.TrimSpace(payload)) > 0 && bytes.TrimSpace(payload)[0] == '{'
	err := json.Unmarshal(payload, &r)
	if (t == HTTPAPI || t == FunctionURL) && (err != nil || !isObject || r.StatusCode == nil) {
		// Payload 2.0 and function URLs infer the response: valid JSON without a statusCode is
		// the body of a 200 application/json answer.
		if !json.Valid(payload) {
			return t.Failure(Malformed)
		}
		return Answer{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: payload}
	}
	if err != nil || r.StatusCode == nil || *r.StatusCode < 100 || *r.StatusCode > 599 {
		return t.Failure(Malformed)
	}
	a := Answer{Status: *r.StatusCode, Header: http.Header{}}
	switch t {
	case RESTAPI, ALBMultiValue:
		for k, vs := range r.MultiValueHeaders {
			for _, v := range vs {
				a.Header.Add(k, v)
			}
		}
		if t == RESTAPI {
			for k, v := range r.Headers {
				if _, dup := r.MultiValueHeaders[k]; !dup {
					a.Header.Set(k, v)
				}
			}
		}
	default:
		for k, v := range r.Headers {
			a.Header.Set(k, v)
		}
	}
	if t == HTTPAPI || t == FunctionURL {
		for _, c := range r.Cookies {
			a.Header.Add("Set-Cookie", c)
		}
	}
	if r.Body != nil {
		if r.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(*r.Body)
			if err != nil {
				return t.Failure(Malformed)
			}
			a.Body = b
		} else {
			a.Body = []byte(*r.Body)
		}
	}
	return a
}

const albPage = "<html>\r\n<head><title>%[1]s</title></head>\r\n<body>\r\n<center><h1>%[1]s</h1></center>\r\n</body>\r\n</html>\r\n"

// Failure is the trigger's own answer when the invocation failed as f.
func (t Trigger) Failure(f Failure) Answer {
	switch t {
	case RESTAPI:
		// Lambda developer guide, "Handling Lambda errors with an API Gateway API": 500 when Lambda
		// rejects the invocation, 502 when the function fails or answers in the wrong format.
		status := http.StatusBadGateway
		if f == RequestTooLarge {
			status = http.StatusInternalServerError
		}
		return jsonAnswer(status, `{"message": "Internal server error"}`, "InternalServerErrorException")
	case HTTPAPI:
		status := http.StatusBadGateway
		if f == RequestTooLarge {
			status = http.StatusInternalServerError
		}
		return jsonAnswer(status, `{"message":"Internal Server Error"}`, "")
	case ALB, ALBMultiValue:
		status := http.StatusBadGateway
		if f == RequestTooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		text := strconv.Itoa(status) + " " + http.StatusText(status)
		return Answer{Status: status, Header: http.Header{"Content-Type": {"text/html"}, "Server": {"awselb/2.0"}},
			Body: []byte(fmt.Sprintf(albPage, text))}
	case FunctionURL:
		if f == RequestTooLarge {
			return jsonAnswer(http.StatusRequestEntityTooLarge, `{"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}`, "RequestEntityTooLargeException")
		}
		return jsonAnswer(http.StatusBadGateway, `{"Message":null}`, "")
	default: // Lattice
		status := http.StatusBadGateway
		if f == RequestTooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		return Answer{Status: status, Header: http.Header{"Content-Type": {"text/plain"}}, Body: []byte(http.StatusText(status))}
	}
}

func jsonAnswer(status int, body, errType string) Answer {
	h := http.Header{"Content-Type": {"application/json"}}
	if errType != "" {
		h.Set("X-Amzn-Errortype", errType)
	}
	return Answer{Status: status, Header: h, Body: []byte(body)}
}

// Limits are the largest request body and function answer the trigger lets through.
func (t Trigger) Limits() (request, response int) {
	if t == ALB || t == ALBMultiValue {
		// Elastic Load Balancing guide, "Lambda functions as targets": 1 MB each way.
		return 1 << 20, 1 << 20
	}
	return 6 << 20, 6 << 20
}

// prelude is the JSON head of a streamed HTTP integration response.
type prelude struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Cookies    []string          `json:"cookies"`
}

// StreamHead reads the head of a streamed answer (the JSON prelude before the 8 NUL bytes).
func StreamHead(head []byte) (Answer, error) {
	var p prelude
	if err := json.Unmarshal(head, &p); err != nil {
		return Answer{}, fmt.Errorf("stream prelude: %w", err)
	}
	if p.StatusCode == 0 {
		p.StatusCode = http.StatusOK
	}
	a := Answer{Status: p.StatusCode, Header: http.Header{}}
	for k, v := range p.Headers {
		a.Header.Set(k, v)
	}
	for _, c := range p.Cookies {
		a.Header.Add("Set-Cookie", c)
	}
	return a, nil
}
