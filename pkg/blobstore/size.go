package blobstore

import (
	"errors"
	"io"
)

// ExactSize returns a reader that yields r's bytes and fails with
// ErrSizeMismatch unless r has exactly size bytes. Backends wrap the body in
// it when a Put announces a size, so a wrong announcement never stores a
// truncated or cut blob.
func ExactSize(r io.Reader, size int64) io.Reader {
	return &exactReader{r: r, left: size}
}

type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left == 0 {
		var probe [1]byte
		if n, _ := io.ReadFull(e.r, probe[:]); n > 0 {
			return 0, ErrSizeMismatch
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if errors.Is(err, io.EOF) {
		if e.left > 0 {
			return n, ErrSizeMismatch
		}
		err = nil
	}
	return n, err
}
