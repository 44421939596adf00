package admin_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/kaactl/kaactl/pkg/admin"
)

func TestBlobsClient(t *testing.T) {
	var gotAuth, gotQuery string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/applications/demo/binary-data", func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotQuery = r.Header.Get("Authorization"), r.URL.RawQuery
		_, _ = w.Write([]byte(`{"content":[{"id":"b1","endpointId":"ep","name":"x.txt","size":3,"contentType":"text/plain","createdDate":"2026-01-02T03:04:05Z","url":"/u"}],"totalElements":7,"page":1,"size":1}`))
	})
	mux.HandleFunc("GET /api/v1/applications/empty/binary-data", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"content":null,"totalElements":0}`))
	})
	mux.HandleFunc("GET /api/v1/applications/demo/endpoints/ep/binary-data/b1/data", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("abc"))
	})
	mux.HandleFunc("GET /api/v1/applications/demo/endpoints/ep/binary-data/short/data", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		_, _ = w.Write([]byte("abc")) // and the connection ends
	})
	mux.HandleFunc("DELETE /api/v1/applications/demo/endpoints/ep/binary-data/b1", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"statusCode":404,"reasonPhrase":"application not found"}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := &admin.BlobsClient{REST: admin.REST{BaseURL: srv.URL + "/", Token: "secret"}}
	ctx := context.Background()

	page, err := c.List(ctx, "demo", admin.ListOptions{EndpointID: "ep", Page: 1, Size: 1, Sort: "createdDate,asc"})
	if err != nil || len(page.Content) != 1 || page.Content[0].Name != "x.txt" || page.TotalElements != 7 || page.Page != 1 {
		t.Fatalf("list: %+v %v", page, err)
	}
	if gotAuth != "Bearer secret" || gotQuery != "endpointId=ep&page=1&size=1&sort=createdDate%2Casc" {
		t.Errorf("auth %q query %q", gotAuth, gotQuery)
	}
	if page, err := c.List(ctx, "empty", admin.ListOptions{}); err != nil || page.Content == nil {
		t.Errorf("empty list: %+v %v", page, err)
	}
	var buf bytes.Buffer
	if n, err := c.Download(ctx, "demo", "ep", "b1", &buf); err != nil || n != 3 || buf.String() != "abc" {
		t.Errorf("download: %d %q %v", n, buf.String(), err)
	}
	if err := c.Delete(ctx, "demo", "ep", "b1"); err != nil {
		t.Errorf("delete: %v", err)
	}
	_, err = c.List(ctx, "nope", admin.ListOptions{})
	var apiErr *admin.APIError
	if !errors.Is(err, admin.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Reason != "application not found" || errors.Is(err, admin.ErrInvalid) {
		t.Errorf("unknown app: %v", err)
	}
	if err := c.Delete(ctx, "demo", "ep", "b2"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("delete unknown: %v", err)
	}
	if _, err := c.Download(ctx, "demo", "ep", "short", &bytes.Buffer{}); err == nil {
		t.Error("a truncated download succeeded")
	}
}

// TestDownloadFile: the file appears whole or not at all.
func TestDownloadFile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/applications/demo/endpoints/ep/binary-data/b1/data":
			_, _ = w.Write([]byte("content"))
		case "/api/v1/applications/demo/endpoints/ep/binary-data/short/data":
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte("part"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := &admin.BlobsClient{REST: admin.REST{BaseURL: srv.URL}}
	dir := t.TempDir()
	ctx := context.Background()

	path := filepath.Join(dir, "out.bin")
	if n, err := c.DownloadFile(ctx, "demo", "ep", "b1", path); err != nil || n != 7 {
		t.Fatalf("download: %d, %v", n, err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "content" {
		t.Errorf("file: %q, %v", data, err)
	}
	for _, id := range []string{"short", "missing"} {
		if _, err := c.DownloadFile(ctx, "demo", "ep", id, filepath.Join(dir, id)); err == nil {
			t.Errorf("%s: download succeeded", id)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	if _, err := c.DownloadFile(ctx, "demo", "ep", "b1", filepath.Join(dir, "no-such-dir", "x")); err == nil {
		t.Error("download into a missing directory succeeded")
	}
}
