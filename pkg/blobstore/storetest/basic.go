package storetest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/pkg/blobstore"
)

func testRoundTrip(t *testing.T, s blobstore.Store) {
	if err := s.Ping(ctxFor(t)); err != nil {
		t.Fatalf("ping: %v", err)
	}
	tests := []struct {
		name, contentType string
		data              []byte
	}{
		{"report.bin", "application/x-kaa-report", random(1, 1000)},
		{"Grüße 日本語 🚀.txt", "text/plain; charset=utf-8", []byte("héllo wörld\n")},
		{"100% a+b/c?d=e&f #g", "", random(2, 70_000)}, // escapes, default type
		{"", "", nil}, // empty blob, no name
		{strings.Repeat("ä", 100), "image/png", random(3, 1)},
	}
	for _, tc := range tests {
		before := time.Now()
		b := put(t, s, blobstore.Blob{App: app, EndpointID: ep, Name: tc.name, ContentType: tc.contentType}, tc.data)
		after := time.Now()
		if !blobstore.ValidName(b.ID) {
			t.Fatalf("put %q: assigned invalid ID %q", tc.name, b.ID)
		}
		want := blobstore.Blob{App: app, EndpointID: ep, ID: b.ID, Name: tc.name, ContentType: tc.contentType, Size: int64(len(tc.data)), Created: b.Created}
		sameBlob(t, "put "+tc.name, b, want)
		if b.Created.Before(before) || b.Created.After(after) {
			t.Fatalf("put %q: created %v, not within [%v, %v]", tc.name, b.Created, before, after)
		}
		st, err := s.Stat(ctxFor(t), app, ep, b.ID)
		if err != nil {
			t.Fatalf("stat %q: %v", tc.name, err)
		}
		sameBlob(t, "stat "+tc.name, st, want)
		if got := read(t, s, want); !bytes.Equal(got, tc.data) {
			t.Fatalf("get %q: %d bytes differ from the %d put", tc.name, len(got), len(tc.data))
		}
	}
	if res := listAll(t, s, app, blobstore.ListOptions{}); res.Total != len(tests) || len(res.Blobs) != len(tests) {
		t.Fatalf("list: %d blobs (total %d), want %d", len(res.Blobs), res.Total, len(tests))
	}
}

func testPutSizeAndCreated(t *testing.T, s blobstore.Store) {
	before := time.Now()
	// An announced size that matches is fine; Created is always Put's own.
	b := put(t, s, blobstore.Blob{App: app, EndpointID: ep, Size: 3, Created: time.Unix(0, 0)}, []byte("abc"))
	if b.Size != 3 || b.Created.Before(before) {
		t.Fatalf("put: size %d, created %v; want 3 and now", b.Size, b.Created)
	}
	st, err := s.Stat(ctxFor(t), app, ep, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameBlob(t, "stat", st, b)
	// A body shorter or longer than announced stores nothing.
	for _, size := range []int64{999, 2} {
		_, err := s.Put(ctxFor(t), blobstore.Blob{App: app, EndpointID: "ep-mismatch", Size: size}, bytes.NewReader([]byte("abc")))
		wantErr(t, fmt.Sprintf("put 3 bytes announced as %d", size), err, blobstore.ErrSizeMismatch)
	}
	if res := listAll(t, s, app, blobstore.ListOptions{EndpointID: "ep-mismatch"}); res.Total != 0 {
		t.Fatalf("size mismatches left %d blobs", res.Total)
	}
}

func testNewIDsIncrease(t *testing.T, s blobstore.Store) {
	seen := make(map[string]bool)
	var last blobstore.Blob
	for i := range 20 {
		b := put(t, s, blobstore.Blob{App: app, EndpointID: ep}, []byte{byte(i)})
		if seen[b.ID] {
			t.Fatalf("put %d: ID %q assigned twice", i, b.ID)
		}
		seen[b.ID] = true
		if i > 0 && (b.ID <= last.ID || b.Created.Before(last.Created)) {
			t.Fatalf("put %d: ID %q (created %v) not after %q (created %v)", i, b.ID, b.Created, last.ID, last.Created)
		}
		last = b
	}
}

func testRanges(t *testing.T, s blobstore.Store) {
	b := put(t, s, blobstore.Blob{App: app, EndpointID: ep, Name: "digits"}, []byte("0123456789"))
	empty := put(t, s, blobstore.Blob{App: app, EndpointID: ep, Name: "empty"}, nil)
	tests := []struct {
		blob           blobstore.Blob
		offset, length int64
		want           string
		err            error
	}{
		{b, 0, -1, "0123456789", nil},
		{b, 0, 10, "0123456789", nil},
		{b, 3, 4, "3456", nil},
		{b, 3, -1, "3456789", nil},
		{b, 0, 1, "0", nil},
		{b, 9, 1, "9", nil},
		{b, 8, 10, "89", nil}, // clipped at the end
		{b, 5, 0, "", nil},
		{b, 10, -1, "", nil}, // at the end: nothing
		{b, 10, 5, "", nil},
		{b, 10, 0, "", nil},
		{b, 11, -1, "", blobstore.ErrRange},
		{b, 11, 1, "", blobstore.ErrRange},
		{b, 1 << 40, -1, "", blobstore.ErrRange},
		{b, -1, -1, "", blobstore.ErrRange},
		{empty, 0, -1, "", nil},
		{empty, 0, 0, "", nil},
		{empty, 0, 100, "", nil},
		{empty, 1, -1, "", blobstore.ErrRange},
	}
	for _, tc := range tests {
		rc, got, err := s.Get(ctxFor(t), app, ep, tc.blob.ID, tc.offset, tc.length)
		if tc.err != nil {
			wantErr(t, tc.blob.Name+" range", err, tc.err)
			continue
		}
		if err != nil {
			t.Fatalf("get %s [%d,+%d): %v", tc.blob.Name, tc.offset, tc.length, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s [%d,+%d): %v", tc.blob.Name, tc.offset, tc.length, err)
		}
		if string(data) != tc.want {
			t.Fatalf("get %s [%d,+%d): %q, want %q", tc.blob.Name, tc.offset, tc.length, data, tc.want)
		}
		sameBlob(t, "ranged get", got, tc.blob)
	}
}

func testNotFound(t *testing.T, s blobstore.Store) {
	b := put(t, s, blobstore.Blob{App: app, EndpointID: ep}, []byte("x"))
	ctx := ctxFor(t)
	for _, a := range []struct{ app, ep, id string }{
		{app, ep, "missing"},
		{app, "other-ep", b.ID},
		{"other-app", ep, b.ID},
	} {
		_, err := s.Stat(ctx, a.app, a.ep, a.id)
		wantErr(t, "stat missing", err, blobstore.ErrNotFound)
		_, _, err = s.Get(ctx, a.app, a.ep, a.id, 0, -1)
		wantErr(t, "get missing", err, blobstore.ErrNotFound)
		_, _, err = s.Get(ctx, a.app, a.ep, a.id, 5, 0)
		wantErr(t, "ranged get missing", err, blobstore.ErrNotFound)
		err = s.Delete(ctx, a.app, a.ep, a.id)
		wantErr(t, "delete missing", err, blobstore.ErrNotFound)
	}
	if res := listAll(t, s, "other-app", blobstore.ListOptions{}); res.Total != 0 || len(res.Blobs) != 0 {
		t.Fatalf("list of an app without blobs: %+v", res)
	}
}

func testInvalid(t *testing.T, s blobstore.Store) {
	ctx := ctxFor(t)
	bad := []string{"", ".", "..", "a/b", "/", "a\\b", "a\x00b", "a\nb", "\x7f", "a\tb", "\xff\xfe", strings.Repeat("x", blobstore.MaxNameLen+1)}
	for _, name := range bad {
		for _, a := range []struct{ app, ep, id string }{{name, ep, "id"}, {app, name, "id"}, {app, ep, name}} {
			if a.id != "" { // "" asks Put for a new ID
				_, err := s.Put(ctx, blobstore.Blob{App: a.app, EndpointID: a.ep, ID: a.id}, strings.NewReader("x"))
				wantErr(t, "put "+strings.Join([]string{a.app, a.ep, a.id}, "|"), err, blobstore.ErrInvalid)
			}
			_, err := s.Stat(ctx, a.app, a.ep, a.id)
			wantErr(t, "stat", err, blobstore.ErrInvalid)
			_, _, err = s.Get(ctx, a.app, a.ep, a.id, 0, -1)
			wantErr(t, "get", err, blobstore.ErrInvalid)
			err = s.Delete(ctx, a.app, a.ep, a.id)
			wantErr(t, "delete", err, blobstore.ErrInvalid)
		}
		_, err := s.List(ctx, name, blobstore.ListOptions{})
		wantErr(t, "list app", err, blobstore.ErrInvalid)
		if name != "" { // "" lists every endpoint
			_, err = s.List(ctx, app, blobstore.ListOptions{EndpointID: name})
			wantErr(t, "list endpoint", err, blobstore.ErrInvalid)
		}
	}
	if res := listAll(t, s, app, blobstore.ListOptions{}); res.Total != 0 {
		t.Fatalf("invalid puts stored %d blobs", res.Total)
	}
	// Names that are odd but valid work.
	for _, id := range []string{"...", ".hidden", "a.json", "a.tmp", "a.blob", "x y", "ünï", "-", "a%2Fb"} {
		b := put(t, s, blobstore.Blob{App: app, EndpointID: ep, ID: id}, []byte(id))
		if got := read(t, s, b); string(got) != id {
			t.Fatalf("get %q: %q", id, got)
		}
	}
}

func testReplace(t *testing.T, s blobstore.Store) {
	first := put(t, s, blobstore.Blob{App: app, EndpointID: ep, ID: "fixed", Name: "one", ContentType: "text/plain"}, []byte("first version"))
	if first.ID != "fixed" {
		t.Fatalf("put with ID: got ID %q", first.ID)
	}
	other := put(t, s, blobstore.Blob{App: app, EndpointID: "ep-2", ID: "fixed"}, []byte("other endpoint"))
	second := put(t, s, blobstore.Blob{App: app, EndpointID: ep, ID: "fixed", Name: "two", ContentType: "application/json"}, []byte(`{"v":2}`))
	if second.Created.Before(first.Created) {
		t.Fatalf("replacement created %v before the original %v", second.Created, first.Created)
	}
	st, err := s.Stat(ctxFor(t), app, ep, "fixed")
	if err != nil {
		t.Fatal(err)
	}
	sameBlob(t, "stat after replace", st, second)
	if got := read(t, s, second); string(got) != `{"v":2}` {
		t.Fatalf("get after replace: %q", got)
	}
	if got := read(t, s, other); string(got) != "other endpoint" {
		t.Fatalf("same ID on another endpoint: %q", got)
	}
	res := listAll(t, s, app, blobstore.ListOptions{EndpointID: ep})
	if res.Total != 1 || len(res.Blobs) != 1 {
		t.Fatalf("list after replace: %+v", res)
	}
	sameBlob(t, "list after replace", res.Blobs[0], second)
}

func testDelete(t *testing.T, s blobstore.Store) {
	keep := put(t, s, blobstore.Blob{App: app, EndpointID: ep, Name: "keep"}, []byte("keep"))
	gone := put(t, s, blobstore.Blob{App: app, EndpointID: ep, Name: "gone"}, []byte("gone"))
	ctx := ctxFor(t)
	if err := s.Delete(ctx, app, ep, gone.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err := s.Stat(ctx, app, ep, gone.ID)
	wantErr(t, "stat deleted", err, blobstore.ErrNotFound)
	_, _, err = s.Get(ctx, app, ep, gone.ID, 0, -1)
	wantErr(t, "get deleted", err, blobstore.ErrNotFound)
	wantErr(t, "delete again", s.Delete(ctx, app, ep, gone.ID), blobstore.ErrNotFound)
	res := listAll(t, s, app, blobstore.ListOptions{})
	if res.Total != 1 || len(res.Blobs) != 1 || res.Blobs[0].ID != keep.ID {
		t.Fatalf("list after delete: %+v", res)
	}
	// The ID can be used again.
	again := put(t, s, blobstore.Blob{App: app, EndpointID: ep, ID: gone.ID}, []byte("again"))
	if got := read(t, s, again); string(got) != "again" {
		t.Fatalf("get re-put: %q", got)
	}
}
