package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/pkg/api"
)

// BlobsClient calls BCX's blob management API.
type BlobsClient struct {
	REST
	// Progress, if set, is told how a download goes: done bytes of total
	// (-1 when the server did not say), after every write.
	Progress func(done, total int64)
}

// Downloaded is what a download wrote.
type Downloaded struct {
	Bytes int64
	// SHA256 is the hex digest of the content.
	SHA256 string
	// Path is the file Save wrote, "" when it wrote to stdout.
	Path string
}

// maxListPage is the largest page BCX serves.
const maxListPage = 1000

// ListUpTo lists up to limit blobs (0: all of them) from o.Page on, in
// pages of at most 1000; the page's TotalElements is the server's.
func (c *BlobsClient) ListUpTo(ctx context.Context, app string, o ListOptions, limit int) (api.BlobPage, error) {
	var all api.BlobPage
	all.Content = []api.Blob{}
	o.Size = maxListPage
	if limit > 0 && limit < maxListPage {
		o.Size = limit
	}
	for {
		page, err := c.List(ctx, app, o)
		if err != nil {
			return api.BlobPage{}, err
		}
		all.Content = append(all.Content, page.Content...)
		all.TotalElements, all.Size = page.TotalElements, len(all.Content)
		if limit > 0 && len(all.Content) >= limit {
			all.Content = all.Content[:limit]
			all.Size = limit
			return all, nil
		}
		if len(page.Content) < o.Size || int64(len(all.Content)) >= page.TotalElements {
			return all, nil
		}
		o.Page++
	}
}

// ListOptions select and page a listing. Zero values take the server's
// defaults (all endpoints, page 0, size 20, newest first).
type ListOptions struct {
	EndpointID string
	Page       int
	Size       int
	// Sort is "createdDate,desc" or "createdDate,asc".
	Sort string
}

// BlobQuery is a listing of an application's blobs as a person asks for
// it: the flags of `kaactl blobs ls`.
type BlobQuery struct {
	EndpointID string
	// Limit is at most how many blobs; All is every one (Limit is ignored).
	Limit int
	All   bool
	// Asc lists the oldest first instead of the newest.
	Asc bool
}

// BindFlags binds --endpoint, --limit (with its old name --size), --all
// and --asc, with the fields' values as the defaults.
func (q *BlobQuery) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&q.EndpointID, "endpoint", q.EndpointID, "only the blobs of this endpoint ID")
	fs.IntVar(&q.Limit, "limit", q.Limit, "at most this many blobs")
	fs.IntVar(&q.Limit, "size", q.Limit, "")
	_ = fs.MarkHidden("size") // the old name of --limit
	fs.BoolVar(&q.All, "all", q.All, "every blob (pages through the whole listing)")
	fs.BoolVar(&q.Asc, "asc", q.Asc, "oldest first")
}

// Validate refuses a limit below 1 without All.
func (q *BlobQuery) Validate() error {
	if q.Limit < 1 && !q.All {
		return errors.New("--limit must be at least 1 (or --all)")
	}
	return nil
}

// Query lists the blobs of application app that q asks for (see ListUpTo).
func (c *BlobsClient) Query(ctx context.Context, app string, q BlobQuery) (api.BlobPage, error) {
	o, limit := ListOptions{EndpointID: q.EndpointID}, q.Limit
	if q.All {
		limit = 0
	}
	if q.Asc {
		o.Sort = "createdDate,asc"
	}
	return c.ListUpTo(ctx, app, o, limit)
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

// Download streams the content of a blob to w.
func (c *BlobsClient) Download(ctx context.Context, app, endpointID, id string, w io.Writer) (Downloaded, error) {
	req := blobsRequest(http.MethodGet, blobPath(app, endpointID, id)+"/data", http.StatusOK)
	resp, err := c.open(ctx, req)
	if err != nil {
		return Downloaded{}, err
	}
	defer resp.Body.Close()
	h := sha256.New()
	pw := &progressWriter{w: io.MultiWriter(w, h), total: resp.ContentLength, report: c.Progress}
	n, err := io.Copy(pw, resp.Body)
	d := Downloaded{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	if err != nil {
		return d, req.errorf("%w", err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return d, req.errorf("got %d of %d bytes", n, resp.ContentLength)
	}
	return d, nil
}

// progressWriter tells report how much went through it.
type progressWriter struct {
	w      io.Writer
	done   int64
	total  int64
	report func(done, total int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if p.report != nil {
		p.report(p.done, p.total)
	}
	return n, err
}

// DownloadFile downloads a blob into the file at path, which appears only
// once the whole blob is in it: the download goes to a temporary file next
// to it that is renamed at the end, and removed on failure.
func (c *BlobsClient) DownloadFile(ctx context.Context, app, endpointID, id, path string) (Downloaded, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return Downloaded{}, err
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

// Save downloads a blob to stdout when path is "" or "-", else into the
// file at path as DownloadFile does.
func (c *BlobsClient) Save(ctx context.Context, app, endpointID, id, path string, stdout io.Writer) (Downloaded, error) {
	if path == "" || path == "-" {
		return c.Download(ctx, app, endpointID, id, stdout)
	}
	d, err := c.DownloadFile(ctx, app, endpointID, id, path)
	d.Path = path
	return d, err
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
