package blobstore

import (
	"fmt"
	"slices"
	"strings"
)

// Page sorts blobs in place into the order opts asks for (by Created, ties by
// ID; newest first unless Ascending) and cuts out the page Offset/Limit. A
// negative Offset counts as 0 and a negative Limit as no limit. Backends that
// cannot sort in their storage use it on every matching blob.
func Page(blobs []Blob, opts ListOptions) ListResult {
	slices.SortFunc(blobs, func(a, b Blob) int {
		c := a.Created.Compare(b.Created)
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if !opts.Ascending {
			c = -c
		}
		return c
	})
	res := ListResult{Total: len(blobs)}
	off := min(max(opts.Offset, 0), len(blobs))
	end := len(blobs)
	if opts.Limit > 0 && opts.Limit < end-off {
		end = off + opts.Limit
	}
	res.Blobs = slices.Clip(blobs[off:end])
	return res
}

// Span checks a read of length bytes from offset (length < 0: to the end) of
// a blob of size bytes and returns the number of bytes to read, which is
// clipped to the end. Offsets beyond the end, or negative, give ErrRange; an
// offset at the end reads nothing.
func Span(size, offset, length int64) (int64, error) {
	if offset < 0 || offset > size {
		return 0, fmt.Errorf("%w: offset %d of %d bytes", ErrRange, offset, size)
	}
	n := size - offset
	if length >= 0 && length < n {
		n = length
	}
	return n, nil
}
