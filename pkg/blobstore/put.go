package blobstore

import (
	"io"
	"time"
)

// StartPut is how every backend's Put begins: it checks b's address
// (CheckPut), gives a new blob its ID and creation time from ids (a replace
// keeps its ID and is created now), and holds r to b's size when the Put
// announces one (ExactSize).
func StartPut(ids *IDGenerator, b Blob, r io.Reader) (Blob, io.Reader, error) {
	if err := CheckPut(b); err != nil {
		return Blob{}, nil, err
	}
	if b.Size > 0 {
		r = ExactSize(r, b.Size)
	}
	if b.ID == "" {
		b.ID, b.Created = ids.Next()
	} else {
		b.Created = time.Now().UTC().Round(0)
	}
	return b, r, nil
}
