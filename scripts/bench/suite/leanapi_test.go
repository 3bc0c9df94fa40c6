//go:build bench

package suite

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// leanAPI is a Runtime and Extensions API that does as little as possible per invocation, for the
// concurrency measure: on a 2-core machine the harness shares the cores with the adapter, and
// testenv.FakeAPI (which records every body chunk, through a 256 KB buffer per response) cost more
// CPU per invocation than the adapter itself, so it, not the adapter, set the ceiling.
type leanAPI struct {
	Addr    string
	pending chan *leanInvocation
	mu      sync.Mutex
	inFly   map[string]*leanInvocation
	seq     atomic.Int64
}

type leanInvocation struct {
	id      string
	payload []byte
	done    chan leanOutcome
}

type leanOutcome struct {
	isError bool
	body    []byte
}

func newLeanAPI(t *testing.T) *leanAPI {
	t.Helper()
	api := &leanAPI{pending: make(chan *leanInvocation), inFly: map[string]*leanInvocation{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2020-01-01/extension/register", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Lambda-Extension-Identifier", "bench-ext")
		_, _ = io.WriteString(w, `{"functionName":"bench","functionVersion":"$LATEST","handler":"x"}`)
	})
	mux.HandleFunc("GET /2020-01-01/extension/event/next", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	deadline := strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case inv := <-api.pending:
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			h.Set("Lambda-Runtime-Deadline-Ms", deadline)
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-5e1b4151-5ac6c58f5b5dbd6a5f5d0e1c;Parent=1;Sampled=1")
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(inv.payload)
		case <-r.Context().Done():
		}
	})
	finish := func(isError bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			api.mu.Lock()
			inv := api.inFly[r.PathValue("id")]
			delete(api.inFly, r.PathValue("id"))
			api.mu.Unlock()
			if inv == nil {
				http.Error(w, `{"errorType":"InvalidRequestID"}`, http.StatusBadRequest)
				return
			}
			inv.done <- leanOutcome{isError: isError, body: body}
			w.WriteHeader(http.StatusAccepted)
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", finish(false))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", finish(true))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	api.Addr = strings.TrimPrefix(srv.URL, "http://")
	return api
}

// invoke runs one invocation and checks it succeeded with the 1 KB body.
func (api *leanAPI) invoke(ctx context.Context, payload []byte) error {
	inv := &leanInvocation{id: "req-" + strconv.FormatInt(api.seq.Add(1), 10), payload: payload, done: make(chan leanOutcome, 1)}
	api.mu.Lock()
	api.inFly[inv.id] = inv
	api.mu.Unlock()
	select {
	case api.pending <- inv:
	case <-ctx.Done():
		return fmt.Errorf("no poller took %s: %w", inv.id, ctx.Err())
	}
	select {
	case o := <-inv.done:
		if o.isError || !bytes.Contains(o.body, []byte(`"statusCode":200`)) || !bytes.Contains(o.body, benchBody[:64]) {
			return fmt.Errorf("invocation %s failed: error=%v %.300s", inv.id, o.isError, o.body)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("no outcome for %s: %w", inv.id, ctx.Err())
	}
}
