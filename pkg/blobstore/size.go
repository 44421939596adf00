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
	switch {
	case e.left == 0:
		return 0, io.EOF
	case len(p) == 0:
		return 0, nil
	case e.left == 1:
		// The last byte is handed out only once the stream is known to end
		// there: a consumer that stops at the announced length (an HTTP
		// transport does) must never send a complete body cut from a
		// longer one.
		var b [2]byte
		n, err := io.ReadFull(e.r, b[:])
		switch {
		case n == 2:
			return 0, ErrSizeMismatch
		case n == 1 && errors.Is(err, io.ErrUnexpectedEOF):
			p[0], e.left = b[0], 0
			return 1, nil
		case errors.Is(err, io.EOF):
			return 0, ErrSizeMismatch
		default:
			return 0, err
		}
	}
	if int64(len(p)) > e.left-1 {
		p = p[:e.left-1]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if errors.Is(err, io.EOF) {
		return n, ErrSizeMismatch // fewer bytes than announced
	}
	return n, err
}
