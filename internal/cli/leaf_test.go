package cli

import (
	"context"
	"errors"
	"testing"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/admin"
)

type leafOptions struct {
	id  string
	err error
	url string
}

// CalledURL is what admin.Conn says after making a client.
func (o *leafOptions) CalledURL() string { return o.url }

type plainOptions struct{ err error }

// TestLeaf: the check runs first and its error stands as it is; runF
// replaces run; what run returns reads as admin.Explain makes it, naming
// the API when the options know it.
func TestLeaf(t *testing.T) {
	refused := &admin.APIError{Status: 401, Reason: "invalid admin token"}
	run := func(_ context.Context, o *leafOptions) error { return o.err }
	tests := []struct {
		name string
		args []string
		o    leafOptions
		runF func(context.Context, *leafOptions) error
		want string
	}{
		{"check fails", nil, leafOptions{}, nil, "want an ID"},
		{"run", []string{"x"}, leafOptions{}, nil, ""},
		{"api error named", []string{"x"}, leafOptions{err: refused, url: "http://p"}, nil,
			"unauthorized: invalid admin token: http://p refused the admin token (check --admin-token or <data-dir>/admin.token, and the URL)"},
		{"runF", []string{"x"}, leafOptions{err: refused}, func(_ context.Context, o *leafOptions) error {
			if o.id != "x" {
				return errors.New("check did not run")
			}
			return errors.New("from runF")
		}, "from runF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			cmd := Leaf(&cobra.Command{Use: "leaf"}, &o, func(args []string) error {
				if len(args) == 0 {
					return Usagef("want an ID")
				}
				o.id = args[0]
				return nil
			}, run, tt.runF)
			err := cmd.RunE(cmd, tt.args)
			if got := ""; err != nil {
				got = err.Error()
				if got != tt.want {
					t.Errorf("%q, want %q", got, tt.want)
				}
			} else if tt.want != "" {
				t.Errorf("no error, want %q", tt.want)
			}
		})
	}
	o := &plainOptions{err: &admin.APIError{Status: 404, Reason: "no such app"}}
	cmd := Leaf(&cobra.Command{Use: "plain"}, o, nil, func(_ context.Context, o *plainOptions) error { return o.err }, nil)
	if err := cmd.RunE(cmd, nil); err == nil || err.Error() != "not found: no such app" {
		t.Errorf("options without CalledURL: %v", err)
	}
}
