package admin

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/kaactl/kaactl/pkg/api"
)

// BlobsClient calls BCX's blob management API.
type BlobsClient struct{ REST }

// ListOptions select and page a listing. Zero values take the server's
// defaults (all endpoints, page 0, size 20, newest first).
type ListOptions struct {
	EndpointID string
	Page       int
	Size       int
	// Sort is "createdDate,desc" or "createdDate,asc".
	Sort string
}

// List lists the blobs of application app.
func (c *BlobsClient) List(ctx context.Context, app string, o ListOptions) (api.BlobPage, error) {
	q := url.Values{}
	if o.EndpointID != "" {
		q.Set("endpointId", o.EndpointID)
	}
	if o.Page != 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	if o.Size != 0 {
		q.Set("size", strconv.Itoa(o.Size))
	}
	if o.Sort != "" {
		q.Set("sort", o.Sort)
	}
	path := "/api/v1/applications/" + url.PathEscape(app) + "/binary-data"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var page api.BlobPage
	if err := c.call(ctx, blobsRequest(http.MethodGet, path, http.StatusOK), &page); err != nil {
		return api.BlobPage{}, err
	}
	if page.Content == nil {
		page.Content = []api.Blob{}
	}
	return page, nil
}

// Download streams the content of a blob to w and returns the bytes written.
func (c *BlobsClient) Download(ctx context.Context, app, endpointID, id string, w io.Writer) (int64, error) {
	req := blobsRequest(http.MethodGet, blobPath(app, endpointID, id)+"/data", http.StatusOK)
	resp, err := c.open(ctx, req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, req.errorf("%w", err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, req.errorf("got %d of %d bytes", n, resp.ContentLength)
	}
	return n, nil
}

// DownloadFile downloads a blob into the file at path, which appears only
// once the whole blob is in it: the download goes to a temporary file next
// to it that is renamed at the end, and removed on failure.
func (c *BlobsClient) DownloadFile(ctx context.Context, app, endpointID, id, path string) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name()) // a no-op after the rename
	n, err := c.Download(ctx, app, endpointID, id, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	return n, os.Rename(f.Name(), path)
}

// Delete deletes a blob.
func (c *BlobsClient) Delete(ctx context.Context, app, endpointID, id string) error {
	return c.call(ctx, blobsRequest(http.MethodDelete, blobPath(app, endpointID, id), http.StatusNoContent), nil)
}

func blobsRequest(method, path string, want int) request {
	return request{api: "bcx api", method: method, path: path, want: want}
}

func blobPath(app, endpointID, id string) string {
	return "/api/v1/applications/" + url.PathEscape(app) + "/endpoints/" + url.PathEscape(endpointID) +
		"/binary-data/" + url.PathEscape(id)
}
