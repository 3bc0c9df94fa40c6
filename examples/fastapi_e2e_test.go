//go:build e2e

package examples

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// streamTriggers are the HTTP sources that can invoke with response streaming: function URLs (the
// HTTP API v2 shape) and API Gateway REST APIs (v1). ALB cannot.
var streamTriggers = httpTriggers[:2]

func TestFastAPI(t *testing.T) {
	f := startFunction(t, "fastapi")
	for _, tr := range streamTriggers {
		t.Run(tr.name, func(t *testing.T) {
			p, body := splitStream(t, f.invokeRaw(t, tr.build(testenv.HTTPEvent{Path: "/books/1"})))
			if p.StatusCode != 200 || p.Headers["content-type"] != "application/json" || string(body) != `{"id":1,"title":"The Pragmatic Programmer"}` {
				t.Errorf("GET /books/1: %+v %q", p, body)
			}
			p, body = splitStream(t, f.invokeRaw(t, tr.build(testenv.HTTPEvent{Path: "/books/404"})))
			if p.StatusCode != 404 || string(body) != `{"detail":"no book 404"}` {
				t.Errorf("GET /books/404: %+v %q", p, body)
			}
			title := "streamed via " + tr.name
			p, body = splitStream(t, f.invokeRaw(t, tr.build(testenv.HTTPEvent{Method: "POST", Path: "/books",
				Headers: map[string]string{"content-type": "application/json"}, Body: []byte(fmt.Sprintf(`{"title":%q}`, title))})))
			if p.StatusCode != 201 || !strings.Contains(string(body), title) || len(p.Cookies) != 1 || !strings.HasPrefix(p.Cookies[0], "last_book=") {
				t.Errorf("POST /books: %+v %q", p, body)
			}
			if _, isHeader := p.Headers["set-cookie"]; isHeader {
				t.Errorf("Set-Cookie in the prelude's headers, not its cookies: %+v", p)
			}
			p, body = splitStream(t, f.invokeRaw(t, tr.build(testenv.HTTPEvent{Path: "/ticks", Query: "n=3&interval=0.05"})))
			data := sseData(body)
			if p.StatusCode != 200 || !strings.HasPrefix(p.Headers["content-type"], "text/event-stream") || p.Headers["cache-control"] != "no-cache" ||
				len(data) != 3 || data[2] != `{"tick": 3, "of": 3}` {
				t.Errorf("GET /ticks: %+v %q", p, body)
			}
		})
	}
}

// TestFastAPIStreamPace checks that the server-sent events reach Lambda one by one, as uvicorn sends
// them, against the in-process Runtime API (RIE would buffer them).
func TestFastAPIStreamPace(t *testing.T) {
	d := startDirect(t, "fastapi")
	const n, interval = 5, 250 * time.Millisecond
	o := d.invoke(t, testenv.V2(testenv.HTTPEvent{Path: "/ticks", Query: fmt.Sprintf("n=%d&interval=%g", n, interval.Seconds())}))
	p, body := splitStream(t, o.Body)
	if p.StatusCode != 200 || len(sseData(body)) != n {
		t.Fatalf("GET /ticks: %+v %q", p, body)
	}
	wantPaced(t, eventTimes(t, o, n), interval)
}
