// Package ctxio makes a reader stop when its context ends, so a copy loop
// over a reader that never fails still ends on cancellation.
package ctxio

import (
	"context"
	"io"
)

// Reader returns r that fails with the context's cause once ctx is done.
func Reader(ctx context.Context, r io.Reader) io.Reader {
	return &reader{ctx: ctx, r: r}
}

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (r *reader) Read(p []byte) (int, error) {
	if r.ctx.Err() != nil {
		return 0, context.Cause(r.ctx)
	}
	return r.r.Read(p)
}
