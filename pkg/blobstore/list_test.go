package blobstore

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestPage(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	blobs := func() []Blob {
		return []Blob{
			{ID: "c", Created: t0.Add(2)},
			{ID: "a", Created: t0},
			{ID: "b2", Created: t0.Add(1)},
			{ID: "b1", Created: t0.Add(1)}, // tie: by ID
		}
	}
	ids := func(bs []Blob) []string {
		var out []string
		for _, b := range bs {
			out = append(out, b.ID)
		}
		return out
	}
	tests := []struct {
		opts ListOptions
		want []string
	}{
		{ListOptions{}, []string{"c", "b2", "b1", "a"}},
		{ListOptions{Ascending: true}, []string{"a", "b1", "b2", "c"}},
		{ListOptions{Offset: 1, Limit: 2}, []string{"b2", "b1"}},
		{ListOptions{Offset: 3, Limit: 2}, []string{"a"}},
		{ListOptions{Offset: 4}, nil},
		{ListOptions{Offset: 9, Limit: 1}, nil},
		{ListOptions{Offset: -1, Limit: -1}, []string{"c", "b2", "b1", "a"}},
	}
	for _, tc := range tests {
		res := Page(blobs(), tc.opts)
		if res.Total != 4 || !slices.Equal(ids(res.Blobs), tc.want) {
			t.Errorf("Page(%+v) = %v (total %d), want %v", tc.opts, ids(res.Blobs), res.Total, tc.want)
		}
	}
	if res := Page(nil, ListOptions{Limit: 5}); res.Total != 0 || len(res.Blobs) != 0 {
		t.Errorf("Page(nil) = %+v", res)
	}
}

func TestSpan(t *testing.T) {
	tests := []struct {
		size, offset, length, want int64
		err                        error
	}{
		{10, 0, -1, 10, nil},
		{10, 3, 4, 4, nil},
		{10, 8, 5, 2, nil},
		{10, 10, -1, 0, nil},
		{10, 0, 0, 0, nil},
		{0, 0, -1, 0, nil},
		{10, 11, -1, 0, ErrRange},
		{10, -1, 1, 0, ErrRange},
		{0, 1, 0, 0, ErrRange},
	}
	for _, tc := range tests {
		got, err := Span(tc.size, tc.offset, tc.length)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("Span(%d, %d, %d) = %d, %v; want %d, %v", tc.size, tc.offset, tc.length, got, err, tc.want, tc.err)
		}
	}
}
