// Command native is the floor the latency benchmark compares lambda-adapter with: a plain
// aws-lambda-go handler (built with -tags lambda.norpc, as Lambda's provided runtimes want) that
// decodes the same HTTP API v2 event and answers with the same response the adapter produced, read
// once at start from the JSON file named by LWA_BENCH_RESPONSE.
//
// With LWA_BENCH_APP_URL set, the handler also fetches that URL for every invocation (one
// keep-alive HTTP GET on loopback) and answers with the body it got: the least any adapter in front
// of a separate web app must do, for telling the adapter's own cost from the hop's.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	resp, err := loadResponse(os.Getenv("LWA_BENCH_RESPONSE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "native:", err)
		os.Exit(1)
	}
	appURL := os.Getenv("LWA_BENCH_APP_URL")
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableCompression: true}}
	// The event is decoded as a real handler would, so the native side pays for reading it too.
	lambda.Start(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if req.RawPath == "" {
			return events.APIGatewayV2HTTPResponse{StatusCode: 400}, nil
		}
		if appURL == "" {
			return resp, nil
		}
		body, err := fetch(ctx, client, appURL)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		out := resp
		out.Body = body
		return out, nil
	})
}

func fetch(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	r, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return "", fmt.Errorf("GET %s: read: %w", url, err)
	}
	return string(b), nil
}

func loadResponse(path string) (events.APIGatewayV2HTTPResponse, error) {
	var resp events.APIGatewayV2HTTPResponse
	if path == "" {
		return resp, fmt.Errorf("LWA_BENCH_RESPONSE is not set")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return resp, fmt.Errorf("read canned response: %w", err)
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return resp, fmt.Errorf("decode canned response %s: %w", path, err)
	}
	return resp, nil
}
