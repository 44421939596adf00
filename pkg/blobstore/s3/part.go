package s3

import "io"

// chunkSize is the unit of upload buffers: a part is a list of chunks, so a
// small blob takes memory in proportion to its size, and nothing is copied
// to grow a buffer.
const chunkSize = 64 << 10

// part is up to PartSize bytes of a blob. Every chunk but the last is full.
type part struct {
	chunks [][]byte
	size   int64
}

// ReadAt implements io.ReaderAt, so that a section of the part is the
// seekable body the SDK wants (it rewinds to sign and to retry).
func (p *part) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 || off >= p.size {
		return 0, io.EOF
	}
	n := 0
	for len(b) > 0 && off < p.size {
		k := copy(b, p.chunks[off/chunkSize][off%chunkSize:])
		b, off, n = b[k:], off+int64(k), n+k
	}
	if len(b) > 0 {
		return n, io.EOF
	}
	return n, nil
}

func (p *part) reader() io.ReadSeeker { return io.NewSectionReader(p, 0, p.size) }

// chunkPool keeps free chunks for reuse, up to a bound; unlike sync.Pool it
// does not drop them at random under the race detector, which the memory
// bound tests would see as growth.
type chunkPool chan []byte

func newChunkPool(bytes int64) chunkPool {
	return make(chunkPool, max(bytes/chunkSize, 1))
}

func (c chunkPool) get() []byte {
	select {
	case b := <-c:
		return b
	default:
		return make([]byte, chunkSize)
	}
}

func (c chunkPool) put(b []byte) {
	select {
	case c <- b[:chunkSize]:
	default:
	}
}

// release returns the chunks of p to the pool.
func (c chunkPool) release(p *part) {
	for _, b := range p.chunks {
		c.put(b)
	}
	p.chunks, p.size = nil, 0
}

// readPart reads up to limit bytes of r into a part and reports whether r
// ended (so the part is the last).
func (c chunkPool) readPart(r io.Reader, limit int64) (*part, bool, error) {
	p := &part{}
	for p.size < limit {
		b := c.get()
		n, err := io.ReadFull(r, b[:min(chunkSize, limit-p.size)])
		if n > 0 {
			p.chunks = append(p.chunks, b[:n])
			p.size += int64(n)
		} else {
			c.put(b)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return p, true, nil
		}
		if err != nil {
			c.release(p)
			return nil, false, err
		}
	}
	return p, false, nil
}
