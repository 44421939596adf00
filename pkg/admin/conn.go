package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/pkg/api"
)

// AdminTokenFile is the file of `kaactl up`'s data dir holding the admin
// token of its management APIs (the platform writes it; a test checks that
// platform.AdminTokenFile agrees).
const AdminTokenFile = "admin.token"

// Conn says where the management APIs are and whose token to send: what
// the management commands share. Clients are made when asked for, so that
// --help and flag errors never read the token file or dial.
type Conn struct {
	ProviderURL string
	BCXURL      string
	// Token is the admin bearer token; "" reads <DataDir>/admin.token.
	Token   string
	DataDir string
	Tenant  string
	// HTTP is shared by the clients (nil: http.DefaultClient).
	HTTP *http.Client

	called string // the API base URL of the last client made, for Explain
}

// BindFlags binds the connection flags, with the fields' values as the
// defaults.
func (c *Conn) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.ProviderURL, "provider-url", c.ProviderURL, "credential provider REST API base URL")
	fs.StringVar(&c.BCXURL, "bcx-url", c.BCXURL, "BCX REST API base URL (blob management)")
	fs.StringVar(&c.Token, "admin-token", c.Token, "admin bearer token (default: the contents of <data-dir>/"+AdminTokenFile+")")
	fs.StringVar(&c.Token, "token", c.Token, "alias of --admin-token")
	_ = fs.MarkHidden("token")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data dir of kaactl up, where "+AdminTokenFile+" lives")
	fs.StringVar(&c.Tenant, "tenant", c.Tenant, "tenant ID")
}

// AdminToken returns Token, or else the token of `kaactl up`'s data dir.
func (c *Conn) AdminToken() (string, error) {
	if c.Token != "" {
		return c.Token, nil
	}
	path := filepath.Join(c.DataDir, AdminTokenFile)
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

// rest is the client base of the API at url, with the admin token.
func (c *Conn) rest(url string) (REST, error) {
	tok, err := c.AdminToken()
	if err != nil {
		return REST{}, err
	}
	c.called = url
	return REST{BaseURL: url, Token: tok, HTTP: c.HTTP}, nil
}

// Provider returns a client of the credential provider's REST API.
func (c *Conn) Provider() (*ProviderClient, error) {
	rest, err := c.rest(c.ProviderURL)
	if err != nil {
		return nil, err
	}
	return &ProviderClient{REST: rest}, nil
}

// Blobs returns a client of BCX's blob management API with the admin token.
func (c *Conn) Blobs() (*BlobsClient, error) {
	rest, err := c.rest(c.BCXURL)
	if err != nil {
		return nil, err
	}
	return &BlobsClient{REST: rest}, nil
}

// BlobsAs returns a client of BCX's blob management API with a token of
// a's issuer, or with the admin token when a names no client.
func (c *Conn) BlobsAs(ctx context.Context, a *ClientAuth) (*BlobsClient, error) {
	if a.ClientID == "" {
		return c.Blobs()
	}
	tok, err := a.Token(ctx, c.HTTP)
	if err != nil {
		return nil, err
	}
	return &BlobsClient{REST: REST{BaseURL: c.BCXURL, Token: tok, HTTP: c.HTTP}}, nil
}

// CalledURL is the base URL of the API the last client was made for ("" if
// none), which Explain names when it refuses the token.
func (c *Conn) CalledURL() string { return c.called }

// UnknownApp turns err (from listing or reading an application's blobs),
// or no error after an empty listing, into ErrNotFound naming the
// application when the provider says it does not exist in Tenant: BCX
// alone cannot tell an unknown application from one without blobs. Without
// a provider to ask, err stands.
func (c *Conn) UnknownApp(ctx context.Context, app string, err error) error {
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	p, perr := c.Provider()
	if perr != nil {
		return err
	}
	apps, perr := p.ListApps(ctx, c.Tenant)
	if perr != nil || slices.ContainsFunc(apps, func(a api.App) bool { return a.Name == app }) {
		return err
	}
	return fmt.Errorf("%w: application %q does not exist in tenant %q", ErrNotFound, app, c.Tenant)
}
