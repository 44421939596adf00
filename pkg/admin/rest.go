package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kaactl/kaactl/pkg/api"
)

// Bounds of what a client reads from a server.
const (
	// maxResponse bounds a JSON answer.
	maxResponse = 32 << 20
	// maxErrorBody bounds an error answer; the reason is cut to maxReason.
	maxErrorBody = 64 << 10
	maxReason    = 200
)

// REST is the base of the management API clients: where an API is and
// how to call it.
type REST struct {
	// BaseURL is the API root, e.g. "http://127.0.0.1:8070".
	BaseURL string
	// Token is the bearer token: the admin token of `kaactl up`, or a JWT.
	Token string
	// HTTP defaults to http.DefaultClient.
	HTTP *http.Client
}

// request is one call of an API.
type request struct {
	api    string // names the API in errors, e.g. "provider api"
	method string
	path   string // below BaseURL, escaped, with its query
	body   any    // sent as JSON unless nil
	want   int    // the status of success
}

func (r request) errorf(format string, args ...any) error {
	return fmt.Errorf("%s %s %s: "+format, append([]any{r.api, r.method, r.path}, args...)...)
}

// call sends req and decodes a successful answer into out (nil: drop it).
func (c *REST) call(ctx context.Context, req request, out any) error {
	resp, err := c.open(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return req.errorf("read response: %w", err)
	}
	if len(data) > maxResponse {
		return req.errorf("response over %d bytes", maxResponse)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return req.errorf("decode response: %w", err)
	}
	return nil
}

// open sends req and returns a successful answer, whose body the caller
// streams and closes. Any other answer is closed and returned as an
// *APIError.
func (c *REST) open(ctx context.Context, req request) (*http.Response, error) {
	var body io.Reader
	if req.body != nil {
		data, err := json.Marshal(req.body)
		if err != nil {
			return nil, req.errorf("encode request: %w", err)
		}
		body = bytes.NewReader(data)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, strings.TrimSuffix(c.BaseURL, "/")+req.path, body)
	if err != nil {
		return nil, req.errorf("%w", err)
	}
	if req.body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	hreq.Header.Set("Accept", "application/json")
	if c.Token != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(hreq)
	if err != nil {
		return nil, req.errorf("%w", err)
	}
	if resp.StatusCode == req.want {
		return resp, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	apiErr := responseError(resp.StatusCode, data)
	if api.KindOf(resp.StatusCode) == nil {
		// No sentinel names it: say which API answered.
		return nil, fmt.Errorf("%s: %w", req.api, apiErr)
	}
	return nil, apiErr
}

// responseError reads the reason phrase of an error answer: from Kaa's
// JSON error body, or the body's text, or the status text.
func responseError(status int, data []byte) *APIError {
	var e api.Error
	if json.Unmarshal(data, &e) == nil && e.ReasonPhrase != "" {
		return &APIError{Status: status, Reason: e.ReasonPhrase}
	}
	reason := strings.TrimSpace(string(data))
	if len(reason) > maxReason {
		n := maxReason
		for n > 0 && !utf8.RuneStart(reason[n]) {
			n--
		}
		reason = reason[:n] + "..."
	}
	if reason == "" {
		reason = http.StatusText(status)
	}
	return &APIError{Status: status, Reason: reason}
}
