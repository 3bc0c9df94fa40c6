//go:build e2e

package examples

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/internal/testenv"
)

// sqsEvent is an SQS batch as Lambda's event source mapping delivers it, one record per body.
func sqsEvent(bodies map[string]string, order []string) []byte {
	var records []map[string]any
	for _, id := range order {
		records = append(records, map[string]any{
			"messageId": id, "receiptHandle": "handle-" + id, "body": bodies[id],
			"attributes": map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": "1764720000000",
				"SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1764720000100"},
			"messageAttributes": map[string]any{}, "md5OfBody": "00000000000000000000000000000000",
			"eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
			"awsRegion": "us-east-1",
		})
	}
	b, _ := json.Marshal(map[string]any{"Records": records})
	return b
}

func TestSQSWorker(t *testing.T) {
	f := startFunction(t, "sqs-worker")
	store := filepath.Join(f.tmp, "orders") // the worker's /tmp/orders, seen from the host

	bodies := map[string]string{
		"m-1": `{"orderId":"A-1","quantity":2}`,
		"m-2": `not json`,
		"m-3": `{"orderId":"A-3","quantity":0}`,
		"m-4": `{"orderId":"A-4","quantity":1}`,
	}
	raw := f.invokeRaw(t, sqsEvent(bodies, []string{"m-1", "m-2", "m-3", "m-4"}))
	var answer struct {
		BatchItemFailures []struct {
			ItemIdentifier string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		t.Fatalf("batch answer %q: %v", raw, err)
	}
	var failed []string
	for _, f := range answer.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if strings.Join(failed, ",") != "m-2,m-3" {
		t.Errorf("batchItemFailures %q, want m-2 and m-3: %s", failed, raw)
	}

	// The good messages were stored once each; the app serves HTTP too.
	for _, tr := range httpTriggers {
		var orders []struct{ OrderID, MessageID string }
		wantJSON(t, f.invoke(t, tr, testenv.HTTPEvent{Path: "/orders"}), 200, &orders)
		if len(orders) != 2 || orders[0].MessageID != "m-1" || orders[1].MessageID != "m-4" {
			t.Errorf("%s GET /orders: %+v", tr.name, orders)
		}
	}

	// Not an SQS batch: a 400 is not in AWS_LWA_ERROR_STATUS_CODES, so it is the invocation's result.
	raw = f.invokeRaw(t, []byte(`{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}`))
	if string(raw) != `{"detail":"not an SQS event"}` {
		t.Errorf("EventBridge event: %s", raw)
	}

	// The store fails for the whole batch: 503, in AWS_LWA_ERROR_STATUS_CODES, fails the invocation so
	// that SQS retries the batch.
	if err := os.Remove(filepath.Join(store, "orders.jsonl")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(store, "orders.jsonl"), 0o755); err != nil {
		t.Fatal(err)
	}
	raw = f.invokeRaw(t, sqsEvent(bodies, []string{"m-1"}))
	var fail testenv.HTTPResult
	if err := json.Unmarshal(raw, &fail); err != nil {
		t.Fatalf("failed batch %q: %v", raw, err)
	}
	var msg struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal([]byte(fail.ErrorMessage), &msg); err != nil || fail.ErrorType != "Function.ErrorStatusCode" ||
		msg.StatusCode != 503 || !strings.Contains(msg.Body, "order store unavailable") {
		t.Errorf("store down: want a Function.ErrorStatusCode error with the 503, got %s", raw)
	}
}
