package disk_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/blobstore/disk"
	"github.com/kaactl/kaactl/pkg/blobstore/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) blobstore.Store {
		s, err := disk.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func open(t *testing.T, dir string) *disk.Store {
	t.Helper()
	s, err := disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFilesOfABlob(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	ctx := t.Context()
	epDir := filepath.Join(dir, "a", "e")

	b, err := s.Put(ctx, blobstore.Blob{App: "a", EndpointID: "e", ID: "x"}, strings.NewReader("one"))
	if err != nil {
		t.Fatal(err)
	}
	if got := files(t, epDir); len(got) != 2 || got[1] != "x.json" || !strings.HasPrefix(got[0], "x.") || !strings.HasSuffix(got[0], ".blob") {
		t.Fatalf("files of one blob: %v", got)
	}
	// A replace leaves the new data file only.
	if _, err := s.Put(ctx, blobstore.Blob{App: "a", EndpointID: "e", ID: "x"}, strings.NewReader("two")); err != nil {
		t.Fatal(err)
	}
	if got := files(t, epDir); len(got) != 2 {
		t.Fatalf("files after replace: %v", got)
	}
	// A failed put leaves nothing.
	if _, err := s.Put(ctx, blobstore.Blob{App: "a", EndpointID: "e"}, iotest.ErrReader(errors.New("boom"))); err == nil {
		t.Fatal("put from a failing reader succeeded")
	}
	if got := files(t, epDir); len(got) != 2 {
		t.Fatalf("files after failed put: %v", got)
	}
	if err := s.Delete(ctx, "a", "e", b.ID); err != nil {
		t.Fatal(err)
	}
	if got := files(t, epDir); len(got) != 0 {
		t.Fatalf("files after delete: %v", got)
	}
}

func TestOpenRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	b, err := s.Put(t.Context(), blobstore.Blob{App: "a", EndpointID: "e", Name: "kept"}, strings.NewReader("kept"))
	if err != nil {
		t.Fatal(err)
	}
	// What a crash can leave: temp files and a data file no metadata names.
	epDir := filepath.Join(dir, "a", "e")
	otherDir := filepath.Join(dir, "a", "other")
	if err := os.MkdirAll(otherDir, 0o750); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		filepath.Join(epDir, ".put-123.tmp"),
		filepath.Join(epDir, "y.0123456789abcdef.blob"),
		filepath.Join(otherDir, ".put-456.tmp"),
	} {
		if err := os.WriteFile(p, []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	s = open(t, dir)
	if got := files(t, epDir); len(got) != 2 {
		t.Fatalf("files after reopen: %v", got)
	}
	if got := files(t, otherDir); len(got) != 0 {
		t.Fatalf("files after reopen: %v", got)
	}
	rc, got, err := s.Get(t.Context(), "a", "e", b.ID, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if data, _ := io.ReadAll(rc); string(data) != "kept" || got.Name != "kept" {
		t.Fatalf("blob after reopen: %+v %q", got, data)
	}
}

func TestOpenAndPing(t *testing.T) {
	if _, err := disk.Open(""); err == nil {
		t.Fatal("open of \"\" succeeded")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := disk.Open(file); err == nil {
		t.Fatal("open of a file succeeded")
	}
	dir := filepath.Join(t.TempDir(), "store")
	s := open(t, dir)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("ping of a removed directory: %v", err)
	}
}
