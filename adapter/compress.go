package adapter

import (
	"strings"

	"github.com/lwa-go/lwa/adapter/compress"
	"github.com/lwa-go/lwa/adapter/event"
)

// compressResponse compresses a buffered response as the client's Accept-Encoding allows.
func compressResponse(resp *event.Response, ev *event.Event) error {
	return compress.Apply(resp, strings.Join(ev.Header.Values("Accept-Encoding"), ","))
}
