package adapter

// The encode and respond stages of the pipeline in buffered mode: the app's whole answer is read,
// encoded for the event's trigger and posted to Lambda in one piece.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lwa-go/lwa/adapter/compress"
	"github.com/lwa-go/lwa/adapter/event"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// MaxBufferedResponse is Lambda's limit on a buffered (synchronous) response payload: 6 MiB.
const MaxBufferedResponse = 6 << 20

// encode reads the app's whole answer and encodes it for the event's trigger: the payload respond
// posts.
func (a *Adapter) encode(ctx context.Context, ev *event.Event, resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	body, err := readResponse(ctx, resp)
	if err != nil {
		return nil, err
	}
	if a.isAppError(resp) {
		return nil, a.errorStatus(resp.StatusCode, body)
	}
	out := &event.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body}
	if a.cfg.EnableCompression {
		if err := compress.Apply(out, strings.Join(ev.Header.Values("Accept-Encoding"), ",")); err != nil {
			return nil, failf(errTypeApp, "compress response: %w", err)
		}
	}
	payload, err := event.Encode(ev, out)
	if err != nil {
		return nil, failf(errTypeApp, "encode response: %w", err)
	}
	if len(payload) > MaxBufferedResponse {
		return nil, failf(errTypeTooLarge, "response is %d bytes once encoded for Lambda (body %d bytes), over Lambda's buffered limit of %d bytes; use AWS_LWA_INVOKE_MODE=response_stream for larger bodies",
			len(payload), len(body), MaxBufferedResponse)
	}
	return payload, nil
}

// respond posts a buffered answer to Lambda.
func (a *Adapter) respond(ctx context.Context, inv *lambdaapi.Invocation, payload []byte) error {
	// The answer must reach Lambda even if the app's deadline passed meanwhile.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := a.runtime.Respond(rctx, inv.RequestID, payload); err != nil {
		return fmt.Errorf("send response: %w", err)
	}
	return nil
}

// readResponse reads the app's body within Lambda's buffered limit; its errors say what the app did.
func readResponse(ctx context.Context, resp *http.Response) ([]byte, error) {
	if resp.ContentLength > MaxBufferedResponse {
		// Refuse before reading: the body cannot fit however it is encoded.
		return nil, failf(errTypeTooLarge, "app response body is %d bytes (Content-Length), over Lambda's buffered response limit of %d bytes; use AWS_LWA_INVOKE_MODE=response_stream for larger bodies",
			resp.ContentLength, MaxBufferedResponse)
	}
	// Read one byte past the limit: a body that large cannot fit however it is encoded.
	body, err := readBody(resp, MaxBufferedResponse+1)
	if err != nil {
		if ctx.Err() != nil {
			return nil, timeoutf("app response body not complete before the invocation deadline (%d bytes read): %w", len(body), err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			return nil, failf(errTypeApp, "app closed the connection mid-body, after %d of %s bytes (did it crash?): %w", len(body), declaredLength(resp), err)
		}
		return nil, failf(errTypeApp, "read app response body (%d bytes read): %w", len(body), err)
	}
	if len(body) > MaxBufferedResponse {
		return nil, failf(errTypeTooLarge, "app response body is over %d bytes (no Content-Length; reading stopped there), Lambda's buffered response limit; use AWS_LWA_INVOKE_MODE=response_stream for larger bodies", MaxBufferedResponse)
	}
	return body, nil
}

// readBody reads at most limit bytes of resp's body. When the app declared the length, the buffer
// is allocated once at that size: io.ReadAll grows through a chain of buffers and copies them into a
// final one, which for a 6 MB body is 6 MB more to allocate and copy. A wrong declaration only
// costs a grow.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	r := io.LimitReader(resp.Body, limit)
	n := resp.ContentLength
	if n < 0 || n >= limit || resp.Body == http.NoBody {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, n+1) // +1: the Read that reports EOF needs room
	for {
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// errorStatusBodyMax bounds the app's body quoted in an AWS_LWA_ERROR_STATUS_CODES failure: the
// error document must stay within what the Runtime API accepts.
const errorStatusBodyMax = 1 << 20

// errorStatus fails an invocation whose status AWS_LWA_ERROR_STATUS_CODES names. Lambda gets the
// errorMessage AWS's adapter sends, {"statusCode":503,"body":"..."}, which failure destinations,
// DLQ consumers and Step Functions Catch may parse; the log line says it in words.
func (a *Adapter) errorStatus(status int, body []byte) *invokeError {
	fail := failf(errTypeErrorStatus, "app answered status %d (AWS_LWA_ERROR_STATUS_CODES=%s): %s",
		status, a.cfg.ErrorStatusCodes, truncate(body, 1024))
	if len(body) > errorStatusBodyMax {
		body = body[:errorStatusBodyMax]
	}
	var msg bytes.Buffer
	enc := json.NewEncoder(&msg)
	enc.SetEscapeHTML(false) // as serde_json writes it
	if err := enc.Encode(struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}{status, string(body)}); err == nil { // an int and a string always encode
		fail.message = strings.TrimSuffix(msg.String(), "\n")
	}
	return fail
}

// declaredLength is the body length the app announced, for messages.
func declaredLength(resp *http.Response) string {
	if resp.ContentLength < 0 {
		return "an undeclared number of"
	}
	return strconv.FormatInt(resp.ContentLength, 10)
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
