package adapter

import (
	"io"
	"net/http"
)

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
