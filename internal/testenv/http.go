package testenv

import (
	"io"
	"net/http"
	"testing"
)

// HTTP sends one request with c (http.DefaultClient when nil) and returns
// the response, its body read and closed, and that body. body may be nil;
// header is name/value pairs ("Authorization", "Bearer "+token, ...), a
// pair with an empty value left out (so a caller's header can be optional).
func HTTP(t testing.TB, c *http.Client, method, url string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] != "" {
			req.Header.Set(header[i], header[i+1])
		}
	}
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp, string(data)
}

// Get is HTTP's GET with the default client.
func Get(t testing.TB, url string, header ...string) (*http.Response, string) {
	t.Helper()
	return HTTP(t, nil, http.MethodGet, url, nil, header...)
}
