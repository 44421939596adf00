package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kaactl/kaactl/pkg/blobstore"
)

// putSeries puts n blobs one after another, alternating endpoints ep and
// "ep-2", and returns them oldest first.
func putSeries(t *testing.T, s blobstore.Store, app string, n int) []blobstore.Blob {
	t.Helper()
	var out []blobstore.Blob
	for i := range n {
		endpoint := ep
		if i%2 == 1 {
			endpoint = "ep-2"
		}
		b := blobstore.Blob{App: app, EndpointID: endpoint, Name: fmt.Sprintf("blob %d", i)}
		if i == 2 {
			b.ID = "explicit" // explicit IDs sort by Created like the others
		}
		out = append(out, put(t, s, b, []byte(b.Name)))
	}
	return out
}

func reversed(blobs []blobstore.Blob) []blobstore.Blob {
	out := slices.Clone(blobs)
	slices.Reverse(out)
	return out
}

func sameList(t *testing.T, what string, got, want []blobstore.Blob) {
	t.Helper()
	if !slices.Equal(ids(got), ids(want)) {
		t.Fatalf("%s: got %v, want %v", what, ids(got), ids(want))
	}
	for i := range got {
		sameBlob(t, what, got[i], want[i])
	}
}

func testListOrder(t *testing.T, s blobstore.Store) {
	blobs := putSeries(t, s, app, 5)
	res := listAll(t, s, app, blobstore.ListOptions{})
	if res.Total != 5 {
		t.Fatalf("list: total %d, want 5", res.Total)
	}
	sameList(t, "default order (newest first)", res.Blobs, reversed(blobs))
	res = listAll(t, s, app, blobstore.ListOptions{Ascending: true})
	sameList(t, "ascending", res.Blobs, blobs)
}

func testListPaging(t *testing.T, s blobstore.Store) {
	blobs := reversed(putSeries(t, s, app, 5)) // newest first
	tests := []struct {
		offset, limit int
		ascending     bool
		want          []blobstore.Blob
	}{
		{0, 0, false, blobs},
		{0, 2, false, blobs[:2]},
		{2, 2, false, blobs[2:4]},
		{4, 2, false, blobs[4:]},
		{5, 2, false, nil},
		{50, 0, false, nil},
		{1, 0, false, blobs[1:]},
		{0, 10, false, blobs},
		{1, 3, true, reversed(blobs)[1:4]},
	}
	for _, tc := range tests {
		opts := blobstore.ListOptions{Offset: tc.offset, Limit: tc.limit, Ascending: tc.ascending}
		res := listAll(t, s, app, opts)
		if res.Total != 5 {
			t.Fatalf("list %+v: total %d, want 5", opts, res.Total)
		}
		sameList(t, fmt.Sprintf("list %+v", opts), res.Blobs, tc.want)
	}
}

func testListEndpoint(t *testing.T, s blobstore.Store) {
	blobs := putSeries(t, s, app, 5)
	var onEp, onEp2 []blobstore.Blob
	for _, b := range reversed(blobs) {
		if b.EndpointID == ep {
			onEp = append(onEp, b)
		} else {
			onEp2 = append(onEp2, b)
		}
	}
	res := listAll(t, s, app, blobstore.ListOptions{EndpointID: ep})
	if res.Total != len(onEp) {
		t.Fatalf("list %s: total %d, want %d", ep, res.Total, len(onEp))
	}
	sameList(t, "list "+ep, res.Blobs, onEp)
	res = listAll(t, s, app, blobstore.ListOptions{EndpointID: "ep-2", Limit: 1, Offset: 1})
	if res.Total != len(onEp2) {
		t.Fatalf("list ep-2: total %d, want %d", res.Total, len(onEp2))
	}
	sameList(t, "list ep-2 page", res.Blobs, onEp2[1:2])
	res = listAll(t, s, app, blobstore.ListOptions{EndpointID: "no-such-ep"})
	if res.Total != 0 || len(res.Blobs) != 0 {
		t.Fatalf("list of an endpoint without blobs: %+v", res)
	}
}

func testAppIsolation(t *testing.T, s blobstore.Store) {
	a := putSeries(t, s, "app-a", 3)
	b := putSeries(t, s, "app-b", 2)
	// The same address but the app holds different blobs.
	sa := put(t, s, blobstore.Blob{App: "app-a", EndpointID: ep, ID: "shared", Name: "a"}, []byte("of a"))
	sb := put(t, s, blobstore.Blob{App: "app-b", EndpointID: ep, ID: "shared", Name: "b"}, []byte("of b"))
	a, b = append(a, sa), append(b, sb)
	// An app whose name starts like another's shares nothing with it.
	put(t, s, blobstore.Blob{App: "app-aa", EndpointID: ep, Name: "aa"}, []byte("of aa"))

	sameList(t, "list app-a", listAll(t, s, "app-a", blobstore.ListOptions{Ascending: true}).Blobs, a)
	sameList(t, "list app-b", listAll(t, s, "app-b", blobstore.ListOptions{Ascending: true}).Blobs, b)
	if got := read(t, s, sb); string(got) != "of b" {
		t.Fatalf("app-b's shared blob: %q", got)
	}
	_, err := s.Stat(ctxFor(t), "app-b", a[0].EndpointID, a[0].ID)
	wantErr(t, "stat of app-a's blob in app-b", err, blobstore.ErrNotFound)
	if err := s.Delete(ctxFor(t), "app-a", ep, "shared"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, sb); string(got) != "of b" {
		t.Fatalf("app-b's shared blob after deleting app-a's: %q", got)
	}
}
