package h1

import (
	"bufio"
	"context"
	"net"
	"time"
)

// conn is one connection and its buffers.
type conn struct {
	nc     net.Conn
	peeker peeker // how alive looks at it while idle (peek_*.go)
	expire func() // ends a blocked read or write at once; made once, used by every exchange
	r      countingReader
	br     *bufio.Reader
	w      countingWriter
	bw     *bufio.Writer
	idleAt time.Time
}

// conn returns a pooled connection to addr, or a new one. A request that must not be repeated
// (freshAfter > 0) gets a new connection when the most recently used one has been idle that long.
func (c *Client) conn(ctx context.Context, addr string, freshAfter time.Duration) (*conn, bool, error) {
	for {
		pc := c.pop(addr, freshAfter)
		if pc == nil {
			break
		}
		if alive(pc) {
			return pc, true, nil
		}
		pc.nc.Close()
	}
	pc, err := c.dial(ctx, addr)
	return pc, false, err
}

// pop takes the most recently used idle connection to addr, closing any idle past IdleTimeout.
func (c *Client) pop(addr string, freshAfter time.Duration) *conn {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	list := c.idle[addr]
	if len(list) == 0 {
		return nil
	}
	pc := list[len(list)-1]
	idle := now.Sub(pc.idleAt)
	if c.IdleTimeout > 0 && idle > c.IdleTimeout {
		// The most recent is past its time, so are all below it.
		for _, old := range list {
			old.nc.Close()
		}
		delete(c.idle, addr)
		return nil
	}
	if freshAfter > 0 && idle >= freshAfter {
		return nil // left for a request that may be repeated
	}
	list[len(list)-1] = nil
	c.idle[addr] = list[:len(list)-1]
	return pc
}

// put returns pc to the pool. A full pool gives up its longest-idle connection for pc: that one
// is the likeliest to have been closed by the peer, or to be too old for the next POST.
func (c *Client) put(addr string, pc *conn) {
	if c.MaxIdle <= 0 {
		pc.nc.Close()
		return
	}
	pc.idleAt = time.Now()
	var evicted *conn
	c.mu.Lock()
	if c.idle == nil {
		c.idle = make(map[string][]*conn)
	}
	list := c.idle[addr]
	if len(list) >= c.MaxIdle {
		evicted = list[0]
		copy(list, list[1:])
		list = list[:len(list)-1]
	}
	c.idle[addr] = append(list, pc)
	c.mu.Unlock()
	if evicted != nil {
		evicted.nc.Close()
	}
}

func (c *Client) dial(ctx context.Context, addr string) (*conn, error) {
	timeout := c.DialTimeout
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	d := net.Dialer{Timeout: timeout, KeepAlive: -1}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	nc = wrapConn(nc)
	pc := &conn{nc: nc}
	pc.peeker.init(nc)
	pc.expire = func() { nc.SetDeadline(aLongTimeAgo) }
	pc.r.nc = nc
	pc.w.nc = nc
	pc.br = bufio.NewReaderSize(&pc.r, 4<<10)
	pc.bw = bufio.NewWriterSize(&pc.w, 4<<10)
	return pc, nil
}

// alive reports whether an idle connection can carry a request: nothing buffered, and a
// non-blocking peek finds it neither closed by the peer nor holding bytes nobody asked for.
func alive(pc *conn) bool {
	if pc.br.Buffered() > 0 {
		return false
	}
	return pc.peeker.alive()
}
