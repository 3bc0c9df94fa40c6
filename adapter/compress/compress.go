// Package compress compresses a buffered response with gzip or brotli, as the client's
// Accept-Encoding allows (AWS_LWA_ENABLE_COMPRESSION). It works on a fully read body: streamed
// responses are never compressed.
package compress

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/andybalholm/brotli/matchfinder"

	"github.com/lwa-go/lwa/adapter/event"
)

// MinSize is the smallest body worth compressing: below it the encoding overhead wins.
const MinSize = 32

// Compression levels: fast settings for dynamic responses, where latency matters more than the
// last percent of size.
const (
	gzipLevel   = gzip.DefaultCompression // 6
	brotliLevel = 5
)

// Encoding names, as in Accept-Encoding and Content-Encoding.
const (
	Gzip   = "gzip"
	Brotli = "br"
)

// Writers are pooled: a gzip writer holds ~800 KB of state and a brotli one more, too much to
// allocate per invocation. The pools are caches, not state: the package's only globals.
var (
	gzipPool   sync.Pool // *gzip.Writer
	brotliPool sync.Pool // *matchfinder.Writer
)

// Apply compresses resp in place when acceptEncoding (the request's Accept-Encoding, repeated
// headers joined with ",") allows gzip or br and the response is worth compressing: a body of at
// least MinSize bytes, not already Content-Encoded, not Cache-Control: no-transform, and not an
// image (SVG excepted), event stream or gRPC. Content-Encoding is set, Content-Length removed, a
// strong ETag made weak (the bytes changed), and Vary: Accept-Encoding added (to any existing Vary)
// on every compressible response, compressed or not, so caches keep the variants apart.
// A compressed body no smaller than the original is discarded.
func Apply(resp *event.Response, acceptEncoding string) error {
	if resp == nil || !compressible(resp) {
		return nil
	}
	if resp.Header == nil {
		resp.Header = make(http.Header)
	}
	addVary(resp.Header)
	enc := Negotiate(acceptEncoding)
	if enc == "" {
		return nil
	}
	out, err := encode(enc, resp.Body)
	if err != nil {
		return fmt.Errorf("%s-compress %d-byte body: %w", enc, len(resp.Body), err)
	}
	if len(out) >= len(resp.Body) {
		return nil
	}
	resp.Body = out
	resp.Header.Set("Content-Encoding", enc)
	resp.Header.Del("Content-Length")
	if etag := resp.Header.Get("Etag"); strings.HasPrefix(etag, `"`) {
		resp.Header.Set("Etag", "W/"+etag)
	}
	return nil
}

// compressible reports whether compressing could help and is allowed.
func compressible(resp *event.Response) bool {
	if len(resp.Body) < MinSize {
		return false
	}
	h := resp.Header
	if ce := strings.TrimSpace(h.Get("Content-Encoding")); ce != "" && !strings.EqualFold(ce, "identity") {
		return false
	}
	for _, v := range h.Values("Cache-Control") {
		if containsToken(v, "no-transform") {
			return false
		}
	}
	ct, _, _ := strings.Cut(h.Get("Content-Type"), ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	switch {
	case strings.HasPrefix(ct, "image/"):
		return ct == "image/svg+xml"
	case ct == "text/event-stream", strings.HasPrefix(ct, "application/grpc"):
		return false
	}
	return true
}

// addVary adds Accept-Encoding to Vary unless it is there already or Vary is "*".
func addVary(h http.Header) {
	for _, v := range h.Values("Vary") {
		if containsToken(v, "accept-encoding") || strings.TrimSpace(v) == "*" {
			return
		}
	}
	h.Add("Vary", "Accept-Encoding")
}

// containsToken reports whether the comma-separated list has tok, ignoring case.
func containsToken(list, tok string) bool {
	for t := range strings.SplitSeq(list, ",") {
		if strings.EqualFold(strings.TrimSpace(t), tok) {
			return true
		}
	}
	return false
}

// encode compresses body with a pooled writer.
func encode(enc string, body []byte) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, len(body)/3+64))
	var w io.WriteCloser
	switch enc {
	case Gzip:
		zw, _ := gzipPool.Get().(*gzip.Writer)
		if zw == nil {
			var err error
			if zw, err = gzip.NewWriterLevel(buf, gzipLevel); err != nil {
				return nil, err
			}
		} else {
			zw.Reset(buf)
		}
		defer func() { zw.Reset(io.Discard); gzipPool.Put(zw) }() // drop the reference to buf
		w = zw
	case Brotli:
		bw, _ := brotliPool.Get().(*matchfinder.Writer)
		if bw == nil {
			// The matchfinder encoder: about as fast and as small at this level, and 0.7 MB less
			// binary than the classic one (docs/performance.md).
			bw = brotli.NewWriterV2(buf, brotliLevel)
		} else {
			bw.Reset(buf)
		}
		defer func() { bw.Reset(io.Discard); brotliPool.Put(bw) }()
		w = bw
	default:
		return nil, fmt.Errorf("unknown encoding %q", enc)
	}
	if _, err := w.Write(body); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
