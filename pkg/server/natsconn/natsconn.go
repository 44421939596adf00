// Package natsconn is the NATS connection every kaactl service opens: one
// definition of the --nats flag and one set of connect options (retry until
// the server is there, reconnect forever, log what happens to the
// connection), so that a setting such as NATS credentials is added once.
package natsconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"
)

// DefaultURL is a NATS server on this machine (what `kaactl up` embeds).
const DefaultURL = "nats://127.0.0.1:4222"

const (
	// reconnectWait is short: a replica without NATS answers nothing.
	reconnectWait = 250 * time.Millisecond
	// flushTimeout bounds Close's flush when the caller gave no deadline.
	flushTimeout = 5 * time.Second
)

var (
	// ErrNoURL is returned by Validate when no server URL is set.
	ErrNoURL = errors.New("nats url is empty")
	// ErrEmptyToken is returned by Connect for an empty TokenFile.
	ErrEmptyToken = errors.New("token file is empty")
)

// Options says where and how a service connects to NATS.
type Options struct {
	// URL is the NATS server URL, or several comma-separated (a cluster).
	// Credentials may be in it (nats://token@host:4222); Token and
	// TokenFile are for keeping them out of command lines and config files.
	URL string
	// Token authenticates the connection (nats-server authorization token).
	Token string
	// TokenFile holds the token (surrounding space trimmed), read by
	// Connect when Token is empty: `kaactl up` keeps its NATS token in
	// <data-dir>/nats.token.
	TokenFile string
	// InProcess, when set, is a NATS server in this process, reached
	// without a socket (`kaactl up`, tests); URL is then only reported.
	InProcess nats.InProcessConnProvider `yaml:"-" json:"-"`
}

// Redacted is URL with any user:password or token in it masked, for logs
// and error messages.
func (o Options) Redacted() string {
	urls := strings.Split(o.URL, ",")
	for i, raw := range urls {
		if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.User != nil {
			u.User = url.User("xxxxx")
			urls[i] = u.String()
		}
	}
	return strings.Join(urls, ",")
}

// DefaultOptions connects to DefaultURL.
func DefaultOptions() Options { return Options{URL: DefaultURL} }

// BindFlags binds --nats and --nats-token-file, their current values being
// the defaults.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.URL, "nats", o.URL, "NATS server URL(s), comma-separated")
	fs.StringVar(&o.TokenFile, "nats-token-file", o.TokenFile, "file holding the NATS authorization token (kaactl up: <data-dir>/nats.token)")
}

// maxTokenFile bounds what is read of a token file.
const maxTokenFile = 4 << 10

// token is Token, or the contents of TokenFile.
func (o Options) token() (string, error) {
	if o.Token != "" || o.TokenFile == "" {
		return o.Token, nil
	}
	f, err := os.Open(o.TokenFile)
	if err != nil {
		return "", fmt.Errorf("nats token: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTokenFile))
	if err != nil {
		return "", fmt.Errorf("nats token %s: %w", o.TokenFile, err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("nats token %s: %w", o.TokenFile, ErrEmptyToken)
	}
	return tok, nil
}

// Validate reports what keeps Connect from working.
func (o Options) Validate() error {
	if o.URL == "" {
		return ErrNoURL
	}
	return nil
}

// Events is what the owner of a connection hears of it; nil fields are
// skipped.
type Events struct {
	// Error counts losses and asynchronous errors by kind: "disconnect" or
	// "async".
	Error func(kind string)
	// Gap tells that messages may have been missed: the connection dropped
	// or came back, or a slow subscription dropped messages. Whoever caches
	// what events invalidate forgets it here.
	Gap func()
}

// Connect opens a connection named name. It returns at once when the server
// is not up yet and keeps trying in the background (subscriptions made
// meanwhile take effect on connect); it reconnects forever. Losing the
// connection and asynchronous errors are logged and reported to ev.
func Connect(o Options, name string, log *slog.Logger, ev Events) (*nats.Conn, error) {
	count := func(kind string) {
		if ev.Error != nil {
			ev.Error(kind)
		}
	}
	gap := func() {
		if ev.Gap != nil {
			ev.Gap()
		}
	}
	tok, err := o.token()
	if err != nil {
		return nil, err
	}
	opts := []nats.Option{
		nats.Name(name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(reconnectWait),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			gap()
			if err == nil { // our own Close
				return
			}
			count("disconnect")
			log.Warn("nats disconnected", "error", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			gap()
			log.Info("nats reconnected", "url", c.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				gap()
			}
			count("async")
			log.Warn("nats error", "error", err)
		}),
	}
	if tok != "" {
		opts = append(opts, nats.Token(tok))
	}
	if o.InProcess != nil {
		opts = append(opts, nats.InProcessServer(o.InProcess))
	}
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect nats %s: %w", o.Redacted(), err)
	}
	return nc, nil
}

// Close flushes what nc has buffered, within ctx (or flushTimeout when ctx
// has no deadline), and closes it. A nil nc is fine; a connection that is
// not connected closes at once, as there is no server to flush to.
func Close(ctx context.Context, nc *nats.Conn) error {
	if nc == nil {
		return nil
	}
	defer nc.Close()
	// A connection lost during the flush has no server to flush to either,
	// but nats.go would wait for the PONG until ctx ends: the flush ends
	// with the connection.
	lost := nc.StatusChanged(nats.RECONNECTING, nats.DISCONNECTED, nats.CLOSED)
	defer nc.RemoveStatusListener(lost)
	if !nc.IsConnected() {
		return nil
	}
	if _, ok := ctx.Deadline(); !ok { // FlushWithContext refuses a context without one
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, flushTimeout)
		defer cancel()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case _, ok := <-lost: // closed (!ok) by RemoveStatusListener on return
			if ok {
				cancel(errLost)
			}
		case <-ctx.Done():
		}
	}()
	err := nc.FlushWithContext(ctx)
	if err != nil && !errors.Is(err, nats.ErrConnectionClosed) && !errors.Is(context.Cause(ctx), errLost) {
		return fmt.Errorf("nats flush: %w", err)
	}
	return nil
}

// errLost ends Close's flush when the connection goes.
var errLost = errors.New("nats connection lost")
