package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// maxSecretFile bounds a secret file.
const maxSecretFile = 64 << 10

// ReadSecretFile reads a secret (a token, a client secret) from a file,
// without surrounding white space. It refuses a file that its group or
// others may read, as ssh does with keys, and an empty one.
func ReadSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("%w: %s is readable by others (mode %04o): chmod 600 it", ErrInsecureFile, path, perm)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxSecretFile {
		return "", fmt.Errorf("%s: over %d bytes", path, maxSecretFile)
	}
	s := strings.TrimSpace(string(data))
	if s == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return s, nil
}

// ClientCredentials gets access tokens from a tenant's OAuth2 issuer with
// the client credentials grant: the token endpoint comes from the issuer's
// OIDC discovery, the client authenticates with HTTP Basic.
type ClientCredentials struct {
	// Issuer is the tenant's issuer, e.g. https://idp.example/auth/realms/kaa.
	Issuer       string
	ClientID     string
	ClientSecret string
	Scopes       []string
	// HTTP defaults to a client with a 10 s timeout.
	HTTP *http.Client
}

// Token returns a fresh access token.
func (c *ClientCredentials) Token(ctx context.Context) (string, error) {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	var disc struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	discURL := strings.TrimSuffix(c.Issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, discURL, nil)
	if err != nil {
		return "", fmt.Errorf("oauth2 issuer: %w", err)
	}
	if err := oauthCall(hc, req, &disc); err != nil {
		return "", fmt.Errorf("oauth2 discovery %s: %w", discURL, err)
	}
	if disc.TokenEndpoint == "" {
		return "", fmt.Errorf("oauth2 discovery %s: no token_endpoint", discURL)
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(c.Scopes) > 0 {
		form.Set("scope", strings.Join(c.Scopes, " "))
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, disc.TokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("oauth2 token endpoint: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// RFC 6749 §2.3.1: form-encode the credentials before Basic.
	req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := oauthCall(hc, req, &tok); err != nil {
		return "", fmt.Errorf("oauth2 token for client %q: %w", c.ClientID, err)
	}
	if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "bearer") {
		return "", fmt.Errorf("oauth2 token for client %q: no bearer access_token in the answer", c.ClientID)
	}
	return tok.AccessToken, nil
}

// oauthCall sends req and decodes a JSON answer; an error answer reads as
// its OAuth2 error code, and 400/401 as ErrUnauthorized (a wrong client).
func oauthCall(hc *http.Client, req *http.Request, out any) error {
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(data, &e)
		reason := strings.TrimSpace(e.Error + " " + e.Description)
		if reason == "" {
			reason = resp.Status
		}
		if resp.StatusCode == http.StatusUnauthorized || e.Error == "invalid_client" || e.Error == "unauthorized_client" {
			return fmt.Errorf("%w: %s", ErrUnauthorized, reason)
		}
		return fmt.Errorf("%d %s", resp.StatusCode, reason)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// ClientAuth is how a command gets its bearer token with OAuth2 client
// credentials instead of the admin token (the blobs commands' flags).
type ClientAuth struct {
	// ClientID "" means: use the admin token.
	ClientID string
	Issuer   string
	// Secret is the client secret; SecretFile (mode 0600) holds it instead.
	Secret     string
	SecretFile string
}

// BindFlags binds --client-id, --issuer, --client-secret (so also
// KAA_CLIENT_SECRET) and --client-secret-file.
func (a *ClientAuth) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&a.ClientID, "client-id", a.ClientID, "get the bearer token with OAuth2 client credentials of this client (instead of --admin-token)")
	fs.StringVar(&a.Issuer, "issuer", a.Issuer, "the tenant's OAuth2 issuer URL for --client-id, e.g. https://idp.example/auth/realms/kaa")
	fs.StringVar(&a.Secret, "client-secret", a.Secret, "OAuth2 client secret (better: KAA_CLIENT_SECRET or --client-secret-file)")
	fs.StringVar(&a.SecretFile, "client-secret-file", a.SecretFile, "file (mode 0600) holding the OAuth2 client secret")
}

// Token gets a fresh access token of ClientID from Issuer over hc (nil: a
// client with a 10 s timeout). It fails with ErrNeedIssuer or ErrNeedSecret
// when the flags it needs are missing.
func (a *ClientAuth) Token(ctx context.Context, hc *http.Client) (string, error) {
	if a.Issuer == "" {
		return "", ErrNeedIssuer
	}
	secret := a.Secret
	if secret == "" && a.SecretFile != "" {
		s, err := ReadSecretFile(a.SecretFile)
		if err != nil {
			return "", fmt.Errorf("--client-secret-file: %w", err)
		}
		secret = s
	}
	if secret == "" {
		return "", ErrNeedSecret
	}
	return (&ClientCredentials{Issuer: a.Issuer, ClientID: a.ClientID, ClientSecret: secret, HTTP: hc}).Token(ctx)
}
