package lambdaapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Extensions API headers.
const (
	HeaderExtensionName       = "Lambda-Extension-Name"
	HeaderExtensionIdentifier = "Lambda-Extension-Identifier"
	HeaderExtensionErrorType  = "Lambda-Extension-Function-Error-Type"
)

const extensionPrefix = "/2020-01-01/extension"

// Extension event types.
const (
	EventInvoke   = "INVOKE"
	EventShutdown = "SHUTDOWN"
)

// ExtensionEvent is one answer of /extension/event/next.
type ExtensionEvent struct {
	EventType      string `json:"eventType"`
	DeadlineMs     int64  `json:"deadlineMs"`
	RequestID      string `json:"requestId,omitempty"`
	ShutdownReason string `json:"shutdownReason,omitempty"`
}

// ExtensionClient calls the Extensions API as one registered extension.
type ExtensionClient struct {
	base string
	hc   Doer
	id   string
}

// NewExtensionClient returns a client for the Extensions API at addr (host:port).
func NewExtensionClient(addr string, hc Doer) *ExtensionClient {
	return &ExtensionClient{base: "http://" + addr + extensionPrefix, hc: hc}
}

// Register registers the extension under name (the file name in /opt/extensions) for events.
func (c *ExtensionClient) Register(ctx context.Context, name string, events []string) error {
	url := c.base + "/register"
	body, err := json.Marshal(struct {
		Events []string `json:"events"`
	}{events})
	if err != nil {
		return fmt.Errorf("register extension: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("POST %s: %w", url, err)
	}
	req.Header.Set(HeaderExtensionName, name)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return &StatusError{Method: "POST", URL: url, Status: resp.StatusCode, Body: rb}
	}
	c.id = resp.Header.Get(HeaderExtensionIdentifier)
	if c.id == "" {
		return fmt.Errorf("POST %s: response has no %s header", url, HeaderExtensionIdentifier)
	}
	return nil
}

// NextEvent blocks until the next lifecycle event.
func (c *ExtensionClient) NextEvent(ctx context.Context) (ExtensionEvent, error) {
	var ev ExtensionEvent
	url := c.base + "/event/next"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return ev, fmt.Errorf("GET %s: %w", url, err)
	}
	req.Header.Set(HeaderExtensionIdentifier, c.id)
	resp, err := c.hc.Do(req)
	if err != nil {
		return ev, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return ev, fmt.Errorf("GET %s: read event: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return ev, &StatusError{Method: "GET", URL: url, Status: resp.StatusCode, Body: rb}
	}
	if err := json.Unmarshal(rb, &ev); err != nil {
		return ev, fmt.Errorf("GET %s: decode event: %w", url, err)
	}
	return ev, nil
}
