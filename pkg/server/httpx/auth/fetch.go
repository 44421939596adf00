package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// maxResponse bounds every remote answer we read (Tenant Manager, discovery, JWKS).
const maxResponse = 1 << 20

// getJSON GETs url and decodes a 200 JSON answer into dst. It also returns the status, so callers can give
// one (404) its own meaning; any other status than 200 is an error.
func getJSON(ctx context.Context, client *http.Client, url string, dst any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return resp.StatusCode, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("GET %s: %w", url, err)
	}
	if len(body) > maxResponse {
		return resp.StatusCode, fmt.Errorf("GET %s: response over %d bytes", url, maxResponse)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return resp.StatusCode, fmt.Errorf("GET %s: %w", url, err)
	}
	return resp.StatusCode, nil
}
