package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
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
	var progress []int64
	c.Progress = func(done, total int64) { progress = append(progress, done, total) }
	if d, err := c.Download(ctx, "demo", "ep", "b1", &buf); err != nil || d.Bytes != 3 || buf.String() != "abc" ||
		d.SHA256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("download: %+v %q %v", d, buf.String(), err)
	}
	if len(progress) != 2 || progress[0] != 3 || progress[1] != 3 {
		t.Errorf("progress %v", progress)
	}
	c.Progress = nil
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
	if d, err := c.DownloadFile(ctx, "demo", "ep", "b1", path); err != nil || d.Bytes != 7 {
		t.Fatalf("download: %+v, %v", d, err)
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

// TestListUpTo pages through a listing for the user.
func TestListUpTo(t *testing.T) {
	const total = 2500
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		p := api.BlobPage{Content: []api.Blob{}, TotalElements: total, Page: page, Size: size}
		for i := page * size; i < min(total, (page+1)*size); i++ {
			p.Content = append(p.Content, api.Blob{ID: strconv.Itoa(i)})
		}
		_ = json.NewEncoder(w).Encode(p)
	}))
	defer srv.Close()
	c := &admin.BlobsClient{REST: admin.REST{BaseURL: srv.URL}}
	for _, tt := range []struct{ limit, want int }{{0, total}, {5, 5}, {1000, 1000}, {1500, 1500}, {9999, total}} {
		page, err := c.ListUpTo(context.Background(), "demo", admin.ListOptions{}, tt.limit)
		if err != nil || len(page.Content) != tt.want || page.TotalElements != total || page.Content[len(page.Content)-1].ID != strconv.Itoa(tt.want-1) {
			t.Errorf("limit %d: %d blobs, total %d, %v", tt.limit, len(page.Content), page.TotalElements, err)
		}
	}
}
