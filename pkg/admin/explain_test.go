package admin_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kaactl/kaactl/pkg/admin"
)

func TestExplain(t *testing.T) {
	denied := &admin.APIError{Status: 401, Reason: "invalid admin token"}
	tests := []struct {
		name string
		err  error
		url  string
		want string
	}{
		{"kind named", &admin.APIError{Status: 409, Reason: `application "x" already exists`}, "", `application "x" already exists`},
		{"kind not named", &admin.APIError{Status: 404, Reason: "no such endpoint"}, "", "not found: no such endpoint"},
		{"invalid", fmt.Errorf("--pem: %w", &admin.APIError{Status: 400, Reason: "bad PEM"}), "", "invalid: --pem: bad PEM"},
		{"token refused by a known API", denied, "http://p", "unauthorized: invalid admin token: http://p refused the admin token (check --admin-token or <data-dir>/admin.token, and the URL)"},
		{"token refused, API unknown", denied, "", "unauthorized: invalid admin token"},
		{"no kind", errors.New("connection refused"), "http://p", "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := admin.Explain(tt.err, tt.url)
			if got.Error() != tt.want || !errors.Is(got, tt.err) {
				t.Errorf("%q, want %q wrapping the error", got, tt.want)
			}
		})
	}
	if admin.Explain(nil, "http://p") != nil {
		t.Error("nil is explained")
	}
}
