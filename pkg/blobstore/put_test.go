package blobstore

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestStartPut(t *testing.T) {
	var ids IDGenerator
	tests := []struct {
		name    string
		in      Blob
		body    string
		wantErr error // of StartPut
		readErr error // of reading the body it returns
	}{
		{"new blob", Blob{App: "a", EndpointID: "e"}, "data", nil, nil},
		{"replace", Blob{App: "a", EndpointID: "e", ID: "config.json"}, "data", nil, nil},
		{"announced size", Blob{App: "a", EndpointID: "e", Size: 4}, "data", nil, nil},
		{"shorter than announced", Blob{App: "a", EndpointID: "e", Size: 5}, "data", nil, ErrSizeMismatch},
		{"invalid address", Blob{App: "..", EndpointID: "e"}, "data", ErrInvalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, r, err := StartPut(&ids, tt.in, strings.NewReader(tt.body))
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if b.Created.IsZero() || (tt.in.ID == "" && len(b.ID) != IDLen) || (tt.in.ID != "" && b.ID != tt.in.ID) {
				t.Errorf("blob %+v from %+v", b, tt.in)
			}
			if data, err := io.ReadAll(r); !errors.Is(err, tt.readErr) || (err == nil && string(data) != tt.body) {
				t.Errorf("body %q, %v; want %q, %v", data, err, tt.body, tt.readErr)
			}
		})
	}
}
