package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors of the management clients; match with errors.Is.
var (
	// ErrNotFound: unknown application (or one of another tenant) or blob. HTTP 404.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: bad paging or sort parameters. HTTP 400.
	ErrInvalid = errors.New("invalid")
	// ErrUnauthorized: a missing or wrong bearer token. HTTP 401 and 403.
	ErrUnauthorized = errors.New("unauthorized")
)

// APIError is an error answer of the BCX management API.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Reason is the server's reasonPhrase (or the body, or the status text).
	Reason string
}

func (e *APIError) Error() string { return e.Reason }

// Is matches the sentinel error of the status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrInvalid:
		return e.Status == http.StatusBadRequest
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	}
	return false
}

// Blob is the metadata of one stored blob.
type Blob struct {
	ID          string    `json:"id"`
	EndpointID  string    `json:"endpointId"`
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	ContentType string    `json:"contentType"`
	CreatedDate time.Time `json:"createdDate"`
	URL         string    `json:"url"`
}

// BlobPage is one page of a listing.
type BlobPage struct {
	// Content is never nil, so that it encodes as [].
	Content       []Blob `json:"content"`
	TotalElements int64  `json:"totalElements"`
	Page          int    `json:"page"`
	Size          int    `json:"size"`
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

// BlobsClient calls BCX's blob management API.
type BlobsClient struct {
	// BaseURL is the API root, e.g. "http://127.0.0.1:8090".
	BaseURL string
	// Token is the bearer token (the admin token of `kaactl up`, or a JWT).
	Token string
	// HTTP defaults to http.DefaultClient.
	HTTP *http.Client
}

// maxResponse bounds the JSON and error bodies the client reads.
const maxResponse = 32 << 20

// List lists the blobs of application app.
func (c *BlobsClient) List(ctx context.Context, app string, o ListOptions) (BlobPage, error) {
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
	resp, err := c.send(ctx, http.MethodGet, path, http.StatusOK)
	if err != nil {
		return BlobPage{}, err
	}
	defer resp.Body.Close()
	var page BlobPage
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(&page); err != nil {
		return BlobPage{}, fmt.Errorf("bcx api GET %s: decode response: %w", path, err)
	}
	if page.Content == nil {
		page.Content = []Blob{}
	}
	return page, nil
}

// Download streams the content of a blob to w and returns the bytes written.
func (c *BlobsClient) Download(ctx context.Context, app, endpointID, id string, w io.Writer) (int64, error) {
	path := blobPath(app, endpointID, id) + "/data"
	resp, err := c.send(ctx, http.MethodGet, path, http.StatusOK)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("bcx api GET %s: %w", path, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("bcx api GET %s: got %d of %d bytes", path, n, resp.ContentLength)
	}
	return n, nil
}

// Delete deletes a blob.
func (c *BlobsClient) Delete(ctx context.Context, app, endpointID, id string) error {
	resp, err := c.send(ctx, http.MethodDelete, blobPath(app, endpointID, id), http.StatusNoContent)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func blobPath(app, endpointID, id string) string {
	return "/api/v1/applications/" + url.PathEscape(app) + "/endpoints/" + url.PathEscape(endpointID) +
		"/binary-data/" + url.PathEscape(id)
}

// send does one call; on an answer other than want it closes the body and
// returns an *APIError.
func (c *BlobsClient) send(ctx context.Context, method, path string, want int) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bcx api %s %s: %w", method, path, err)
	}
	if resp.StatusCode != want {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return nil, responseError(resp.StatusCode, data)
	}
	return resp, nil
}

// responseError reads the reasonPhrase of an error answer.
func responseError(status int, data []byte) error {
	var e struct {
		ReasonPhrase string `json:"reasonPhrase"`
	}
	reason := ""
	if json.Unmarshal(data, &e) == nil && e.ReasonPhrase != "" {
		reason = e.ReasonPhrase
	} else {
		reason = strings.TrimSpace(string(data))
		if len(reason) > 200 {
			reason = reason[:200] + "..."
		}
		if reason == "" {
			reason = http.StatusText(status)
		}
	}
	return &APIError{Status: status, Reason: reason}
}
