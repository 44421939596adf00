package admin

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/pkg/api"
)

// NATSTokenFile is the file of `kaactl up`'s data dir holding the token of
// its embedded NATS server (when it has one).
const NATSTokenFile = "nats.token"

// SessionsConfig says how the sessions commands reach KPC: the NATS admin
// API of every replica, or one replica's REST API (KPCURL).
type SessionsConfig struct {
	NATSURL   string
	NATSToken string
	// NATSTokenFile is read when NATSToken is empty and the file exists
	// (default <DataDir>/nats.token).
	NATSTokenFile string
	// KPCURL, when set, lists one replica over REST instead of NATS.
	KPCURL string
	// Token is the REST API's bearer token (default <DataDir>/admin.token).
	Token    string
	DataDir  string
	Instance string
	Timeout  time.Duration
}

// DefaultSessionsConfig reaches `kaactl up` with its data dir.
func DefaultSessionsConfig(dataDir string) SessionsConfig {
	return SessionsConfig{NATSURL: "nats://127.0.0.1:4222", DataDir: dataDir, Instance: DefaultKPCInstance, Timeout: DefaultGatherTimeout}
}

// BindFlags binds the connection flags of the sessions commands.
func (c *SessionsConfig) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.NATSURL, "nats", c.NATSURL, "NATS server of the KPC replicas")
	fs.StringVar(&c.NATSToken, "nats-token", c.NATSToken, "NATS token (default: <data-dir>/"+NATSTokenFile+" if it exists)")
	fs.StringVar(&c.NATSTokenFile, "nats-token-file", c.NATSTokenFile, "file holding the NATS token (default <data-dir>/"+NATSTokenFile+")")
	fs.StringVar(&c.KPCURL, "kpc", c.KPCURL, "list one KPC replica over its REST API instead of NATS, e.g. http://127.0.0.1:8008")
	fs.StringVar(&c.Token, "token", c.Token, "bearer token of the REST API (default: <data-dir>/"+AdminTokenFile+")")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data dir of kaactl up, where its tokens live")
	fs.StringVar(&c.Instance, "instance", c.Instance, "KPC service instance name")
	fs.DurationVar(&c.Timeout, "timeout", c.Timeout, "how long to wait for every replica's answer")
}

// Sessions is an open connection to the sessions of KPC.
type Sessions struct {
	Source SessionSource
	// NATS is the NATS client (nil over REST), which also has Watch.
	NATS *SessionsClient
}

// Close closes the NATS connection, if any.
func (s *Sessions) Close() {
	if s.NATS != nil {
		s.NATS.NC.Close()
	}
}

// Open connects: over REST when KPCURL is set, else to NATS.
func (c *SessionsConfig) Open() (*Sessions, error) {
	if c.KPCURL != "" {
		tok := c.Token
		if tok == "" {
			if t, err := ReadSecretFile(filepath.Join(c.DataDir, AdminTokenFile)); err == nil {
				tok = t
			}
		}
		return &Sessions{Source: &KPCClient{REST: REST{BaseURL: c.KPCURL, Token: tok}}}, nil
	}
	tok := c.NATSToken
	if tok == "" {
		path := c.NATSTokenFile
		if path == "" {
			path = filepath.Join(c.DataDir, NATSTokenFile)
		}
		t, err := ReadSecretFile(path)
		switch {
		case err == nil:
			tok = t
		case errors.Is(err, fs.ErrNotExist) && c.NATSTokenFile == "":
			// kaactl up without a NATS token: none needed
		default:
			return nil, fmt.Errorf("nats token: %w", err)
		}
	}
	nc, err := DialNATS(c.NATSURL, tok)
	if err != nil {
		return nil, fmt.Errorf("%w (or list one replica over REST with --kpc http://HOST:8008)", err)
	}
	sc := &SessionsClient{NC: nc, Instance: c.Instance, Timeout: c.Timeout}
	return &Sessions{Source: sc, NATS: sc}, nil
}

// List opens the sessions, lists those matching f (at most limit per
// replica when limit > 0) and closes them again.
func (c *SessionsConfig) List(ctx context.Context, f api.SessionFilter, limit int) (*Gathered, error) {
	s, err := c.Open()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Source.List(ctx, f, limit)
}
