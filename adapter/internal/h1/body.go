package h1

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// body is a response body; reading it to its end frees the connection for the next request.
type body struct {
	c       *Client
	pc      *conn
	addr    string
	ctx     context.Context
	stop    func() bool
	written chan error
	keep    bool // the response allows the connection to be reused
	rc      io.ReadCloser
	done    atomic.Bool
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.finish(true)
	case err != nil:
		b.finish(false)
		if b.ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", context.Cause(b.ctx), err)
		}
	}
	return n, err
}

// Close releases the connection: to the pool after the whole body was read, else closed (which
// also ends a Read blocked in another goroutine). The rest of a body is never drained.
func (b *body) Close() error {
	b.finish(false)
	return nil
}

func (b *body) finish(eof bool) {
	if b.done.Swap(true) {
		return
	}
	stopped := b.stop() // false once the context's end has set a deadline on the connection
	keep := eof && b.keep && stopped
	if keep && b.written != nil {
		// The writer may be just past its last write: the peer read it all before answering.
		t := time.NewTimer(writerGrace)
		select {
		case err := <-b.written:
			keep = err == nil
		case <-t.C:
			keep = false // the answer came before the request's body was all sent
		}
		t.Stop()
	}
	if keep {
		b.c.put(b.addr, b.pc)
		return
	}
	b.pc.nc.Close()
}
