package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

// connOptions are the connection and output flags of the management
// commands (apps, endpoints, credentials, blobs). Clients are built lazily,
// so that --help and flag errors never dial or read the token file.
type connOptions struct {
	providerURL string
	bcxURL      string
	token       string
	dataDir     string
	tenant      string
	output      string
	// httpClient is shared by both clients; tests may replace it.
	httpClient *http.Client
}

// bind adds the connection flags to fs (a group command's persistent flags).
func (c *connOptions) bind(fs *pflag.FlagSet) {
	fs.StringVar(&c.providerURL, "provider-url", "http://"+provider.DefaultRESTAddr, "credential provider REST API base URL")
	fs.StringVar(&c.bcxURL, "bcx-url", "http://127.0.0.1:8090", "BCX REST API base URL (blob management)")
	fs.StringVar(&c.token, "token", "", "admin bearer token (default: the contents of <data-dir>/admin.token)")
	fs.StringVar(&c.dataDir, "data-dir", defaultDataDir(), "data dir of kaactl up, where admin.token lives")
	fs.StringVar(&c.tenant, "tenant", "kaa", "tenant ID")
	fs.StringVarP(&c.output, "output", "o", "table", "output format: table or json")
}

// check validates the output format; commands call it before any request.
func (c *connOptions) check() error {
	switch c.output {
	case "table", "json":
		return nil
	}
	return usageError{fmt.Errorf("--output %q: want table or json", c.output)}
}

func (c *connOptions) json() bool { return c.output == "json" }

// adminToken returns --token or the token of `kaactl up`'s data dir.
func (c *connOptions) adminToken() (string, error) {
	if c.token != "" {
		return c.token, nil
	}
	path := filepath.Join(c.dataDir, "admin.token")
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("no admin token: pass --token or set KAA_TOKEN (%w)", err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("no admin token: %s is empty; pass --token", path)
	}
	return t, nil
}

// provider returns a client of the credential provider's REST API.
func (c *connOptions) provider() (*provider.Client, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	tok, err := c.adminToken()
	if err != nil {
		return nil, err
	}
	return &provider.Client{BaseURL: c.providerURL, Token: tok, HTTP: c.httpClient}, nil
}

// blobs returns a client of BCX's blob management API.
func (c *connOptions) blobs() (*admin.BlobsClient, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	tok, err := c.adminToken()
	if err != nil {
		return nil, err
	}
	return &admin.BlobsClient{BaseURL: c.bcxURL, Token: tok, HTTP: c.httpClient}, nil
}

// apiError makes a client error read well on one line: it names its kind
// ("already exists", "not found", "invalid", "unauthorized") when the
// server's message does not, and hints at the token on 401.
func apiError(err error) error {
	if err == nil {
		return nil
	}
	kinds := []struct{ provider, admin error }{
		{provider.ErrExists, nil},
		{provider.ErrNotFound, admin.ErrNotFound},
		{provider.ErrInvalid, admin.ErrInvalid},
		{provider.ErrUnauthorized, admin.ErrUnauthorized},
	}
	for _, k := range kinds {
		if !errors.Is(err, k.provider) && (k.admin == nil || !errors.Is(err, k.admin)) {
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, k.provider.Error()) {
			err = fmt.Errorf("%s: %w", k.provider, err)
		}
		if k.provider == provider.ErrUnauthorized {
			err = fmt.Errorf("%w (check --token or <data-dir>/admin.token)", err)
		}
		return err
	}
	return err
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes tab-separated rows aligned in columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(toAny(header)...)
	return t
}

func (t *table) row(cols ...any) {
	for i, c := range cols {
		if i > 0 {
			fmt.Fprint(t.tw, "\t")
		}
		fmt.Fprint(t.tw, c)
	}
	fmt.Fprint(t.tw, "\n")
}

func (t *table) flush() error { return t.tw.Flush() }

func toAny(s []string) []any {
	a := make([]any, len(s))
	for i, v := range s {
		a[i] = v
	}
	return a
}

// ts formats a timestamp for tables.
func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.RFC3339)
}

// orDash shows empty table cells as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// groupRunE makes a command group print its help, and reject unknown
// subcommands as usage errors (exit code 2) instead of printing help.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())}
	}
	return cmd.Help()
}
