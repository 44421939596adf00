package blobstore

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestExactSize(t *testing.T) {
	data := []byte("hello world")
	tests := []struct {
		name    string
		size    int64
		wantErr error
	}{
		{"exact", int64(len(data)), nil},
		{"announced longer", int64(len(data)) + 1, ErrSizeMismatch},
		{"announced shorter", int64(len(data)) - 1, ErrSizeMismatch},
		{"one byte short of one", 1, ErrSizeMismatch},
	}
	for _, tt := range tests {
		for _, wrap := range []func(io.Reader) io.Reader{
			func(r io.Reader) io.Reader { return r }, iotest.OneByteReader, iotest.DataErrReader,
		} {
			got, err := io.ReadAll(ExactSize(wrap(bytes.NewReader(data)), tt.size))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err %v, want %v", tt.name, err, tt.wantErr)
			}
			if tt.wantErr == nil && !bytes.Equal(got, data) {
				t.Fatalf("%s: got %q", tt.name, got)
			}
		}
	}
	// A consumer that stops at the announced length never gets all of it
	// when the stream is longer.
	r := ExactSize(bytes.NewReader(data), 5)
	buf := make([]byte, 5)
	n, err := io.ReadFull(r, buf)
	if n == 5 || !errors.Is(err, ErrSizeMismatch) {
		t.Fatalf("ReadFull of a longer stream: %d bytes, %v", n, err)
	}
	// Reader errors pass through.
	boom := errors.New("boom")
	if _, err := io.ReadAll(ExactSize(iotest.ErrReader(boom), 3)); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
}
