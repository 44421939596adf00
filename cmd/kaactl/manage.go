package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/completion"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

// connOptions say where the management APIs are and whose token to send
// (kaactl sim provisions with them too).
type connOptions struct {
	providerURL string
	bcxURL      string
	token       string
	dataDir     string
	tenant      string
	// httpClient is shared by both clients; tests may replace it.
	httpClient *http.Client
}

// adminToken returns --admin-token or the token of `kaactl up`'s data dir.
func (c *connOptions) adminToken() (string, error) {
	if c.token != "" {
		return c.token, nil
	}
	path := filepath.Join(c.dataDir, "admin.token")
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("no admin token: pass --admin-token or set KAA_ADMIN_TOKEN (%w)", err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("no admin token: %s is empty; pass --admin-token", path)
	}
	return t, nil
}

// manageOptions are what the commands of a management group (apps,
// endpoints, credentials, blobs) share: the group's connection and output
// flags, and the streams. Clients are built when a command runs, so that
// --help and flag errors never read the token file or dial.
type manageOptions struct {
	connOptions
	IO     *output.IOStreams
	format output.Format
	called string // the API base URL a client was made for, for errors
}

// newManageGroup makes cmd a group of management commands and binds the
// flags its subcommands share.
func newManageGroup(streams ioStreams, cmd *cobra.Command) *manageOptions {
	m := &manageOptions{IO: output.New(streams.in, streams.out, streams.err), format: output.FormatTable}
	cmd.RunE = groupRunE
	fs := cmd.PersistentFlags()
	fs.StringVar(&m.providerURL, "provider-url", "http://"+provider.DefaultRESTAddr, "credential provider REST API base URL")
	fs.StringVar(&m.bcxURL, "bcx-url", "http://127.0.0.1:8090", "BCX REST API base URL (blob management)")
	fs.StringVar(&m.token, "admin-token", "", "admin bearer token (default: the contents of <data-dir>/admin.token)")
	fs.StringVar(&m.token, "token", "", "alias of --admin-token")
	_ = fs.MarkHidden("token")
	fs.StringVar(&m.dataDir, "data-dir", defaultDataDir(), "data dir of kaactl up, where admin.token lives")
	fs.StringVar(&m.tenant, "tenant", "kaa", "tenant ID")
	fs.VarP(&m.format, "output", "o", "output format: table, json or yaml")
	completion.Values(cmd, "output", "table", "json", "yaml")
	return m
}

// rest is the client base of the API at url.
func (m *manageOptions) rest(url string) (admin.REST, error) {
	tok, err := m.adminToken()
	if err != nil {
		return admin.REST{}, err
	}
	m.called = url
	return admin.REST{BaseURL: url, Token: tok, HTTP: m.httpClient}, nil
}

// provider returns a client of the credential provider's REST API.
func (m *manageOptions) provider() (*admin.ProviderClient, error) {
	rest, err := m.rest(m.providerURL)
	if err != nil {
		return nil, err
	}
	return &admin.ProviderClient{REST: rest}, nil
}

// blobs returns a client of BCX's blob management API.
func (m *manageOptions) blobs() (*admin.BlobsClient, error) {
	rest, err := m.rest(m.bcxURL)
	if err != nil {
		return nil, err
	}
	return &admin.BlobsClient{REST: rest}, nil
}

// print writes v as JSON or YAML when -o asks for it, and otherwise calls
// text, which writes for people.
func (m *manageOptions) print(v any, text func() error) error {
	if m.format.Structured() {
		return output.Write(m.IO.Out, m.format, v)
	}
	return text()
}

// say writes one line for people on stdout.
func (m *manageOptions) say(format string, args ...any) error {
	_, err := fmt.Fprintf(m.IO.Out, format+"\n", args...)
	return err
}

// note writes one line for people on stderr, where it stays out of pipes.
func (m *manageOptions) note(format string, args ...any) error {
	_, err := fmt.Fprintf(m.IO.ErrOut, format+"\n", args...)
	return err
}

// table is how results of type T print in the table format.
type table[T any] struct {
	header []string
	row    func(T) []any
}

// print writes v per -o, or else a table of items.
func (tb table[T]) print(m *manageOptions, v any, items ...T) error {
	return m.print(v, func() error {
		t := output.NewTable(m.IO, tb.header...)
		for _, it := range items {
			t.Row(tb.row(it)...)
		}
		return t.Render()
	})
}

// list prints a listing: none is [] in JSON and YAML.
func (tb table[T]) list(m *manageOptions, items []T) error {
	if items == nil {
		items = []T{}
	}
	return tb.print(m, items, items...)
}

// leaf completes a leaf command: RunE checks the arguments and flags with
// check (if any), then calls run, or runF when a test passes one, and makes
// its API errors read well (apiError).
func leaf[O any](cmd *cobra.Command, o *O, check func(args []string) error, run, runF func(context.Context, *O) error) *cobra.Command {
	if runF != nil {
		run = runF
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if check != nil {
			if err := check(args); err != nil {
				return err
			}
		}
		err := run(cmd.Context(), o)
		if c, ok := any(o).(interface{ calledURL() string }); ok {
			return apiError(err, c.calledURL())
		}
		return apiError(err, "")
	}
	return cmd
}

func (m *manageOptions) calledURL() string { return m.called }

// apiError makes a client error read well on one line: it names its kind
// ("already exists", "not found", "invalid", "unauthorized") when the
// server's message does not, and on 401 the API's URL and the token.
func apiError(err error, url string) error {
	for _, kind := range []error{admin.ErrExists, admin.ErrNotFound, admin.ErrInvalid, admin.ErrUnauthorized} {
		if !errors.Is(err, kind) {
			continue
		}
		if !strings.Contains(err.Error(), kind.Error()) {
			err = fmt.Errorf("%s: %w", kind, err)
		}
		if kind == admin.ErrUnauthorized && url != "" {
			err = fmt.Errorf("%w: %s refused the admin token (check --admin-token or <data-dir>/admin.token, and the URL)", err, url)
		}
		return err
	}
	return err
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usageError{fmt.Errorf("--password-stdin: stdin is empty")}
	}
	return pw, nil
}

// groupRunE makes a command group print its help, and reject unknown
// subcommands as usage errors (exit code 2) instead of printing help.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())}
	}
	return cmd.Help()
}

// exactArgs is cobra.ExactArgs as a usage error (exit code 2).
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// requireApp adds --app, which the command must check with needFlag.
func requireApp(cmd *cobra.Command, app *string) {
	cmd.Flags().StringVar(app, "app", "", "application name (required)")
	completeApps(cmd)
}

// needFlag is a usage error (exit code 2) when a required flag is empty.
func needFlag(name, value string) error {
	if value == "" {
		return usageError{fmt.Errorf("--%s is required", name)}
	}
	return nil
}
