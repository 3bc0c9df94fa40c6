// Command native is the floor the latency benchmark compares lambda-adapter with: a plain
// aws-lambda-go handler (built with -tags lambda.norpc, as Lambda's provided runtimes want) that
// decodes the same HTTP API v2 event and answers with the same response the adapter produced, read
// once at start from the JSON file named by LWA_BENCH_RESPONSE.
package main

import (
	"context"
	"encoding/json"
	"fmt"
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
	// The event is decoded as a real handler would, so the native side pays for reading it too.
	lambda.Start(func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if req.RawPath == "" {
			return events.APIGatewayV2HTTPResponse{StatusCode: 400}, nil
		}
		return resp, nil
	})
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
