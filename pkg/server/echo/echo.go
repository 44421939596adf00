// Package echo is a minimal 4/ESP extension service: it answers every request
// with its own payload. It is the demo extension of `kaactl up` and the
// responder of the KPC benchmarks; it also shows how small an extension can be.
package echo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
)

// Options configures the echo extension.
type Options struct {
	// NATS is where requests come from.
	NATS natsconn.Options
	// Instance is the extension instance name devices address (kp1/<app>/<instance>/...).
	Instance string
	// QueueGroup spreads requests over replicas; defaults to Instance (3/ISM).
	QueueGroup string
	Logger     *slog.Logger
}

// DefaultInstance is the instance name of the demo extension.
const DefaultInstance = "echo"

// DefaultOptions answer as "echo" on a local NATS.
func DefaultOptions() Options {
	return Options{NATS: natsconn.DefaultOptions(), Instance: DefaultInstance}
}

// BindFlags binds the flags of `kaactl serve echo`; the fields' current
// values are the defaults.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	o.NATS.BindFlags(fs)
	fs.Lookup("nats").Usage = "NATS server URL" // as serve echo has always said
	fs.StringVar(&o.Instance, "instance", o.Instance, "extension instance name")
}

// Service answers ClientData on kaa.v1.service.<instance>.esp.ClientData.
type Service struct {
	opts Options
	log  *slog.Logger
	nc   *nats.Conn
	sub  *nats.Subscription

	shutdownOnce sync.Once
	shutdownErr  error
}

// withDefaults fills the fields whose zero value means "default".
func (o Options) withDefaults() Options {
	if o.Instance == "" {
		o.Instance = DefaultInstance
	}
	if o.QueueGroup == "" {
		o.QueueGroup = o.Instance
	}
	return o
}

// Validate reports every problem of o at once (New does too).
func (o Options) Validate() error {
	o = o.withDefaults()
	var bad error
	if !ism.ValidToken(o.Instance) {
		bad = fmt.Errorf("instance %q is not a valid NATS subject token", o.Instance)
	}
	return errors.Join(o.NATS.Validate(), bad)
}

// New validates options; it opens nothing.
func New(opts Options) (*Service, error) {
	opts = opts.withDefaults()
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("echo options: %w", err)
	}
	log := cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	return &Service{opts: opts, log: log.With("service", "echo", "instance", opts.Instance)}, nil
}

// Start connects to NATS (retrying in the background if it is not up yet)
// and subscribes.
func (s *Service) Start(_ context.Context) error {
	nc, err := natsconn.Connect(s.opts.NATS, "kaactl echo", s.log, natsconn.Events{})
	if err != nil {
		return err
	}
	sub, err := nc.QueueSubscribe(ism.ServiceSubject(s.opts.Instance, ism.ProtoESP, ism.MsgClientData), s.opts.QueueGroup, s.handle)
	if err != nil {
		nc.Close()
		return fmt.Errorf("echo subscribe: %w", err)
	}
	s.nc, s.sub = nc, sub
	if nc.IsConnected() { // the subscription is live once Start returns
		_ = nc.FlushTimeout(5 * time.Second)
	}
	s.log.Info("echo extension started", "nats", s.opts.NATS.Redacted())
	return nil
}

// Shutdown answers the requests already received, then stops taking any
// and closes the connection. Idempotent.
func (s *Service) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		if s.sub == nil {
			return
		}
		closed := s.sub.StatusChanged(nats.SubscriptionClosed)
		if err := s.sub.Drain(); err == nil {
			select { // the answers to what was received are out
			case <-closed:
			case <-ctx.Done():
				s.shutdownErr = fmt.Errorf("echo drain: %w", ctx.Err())
			}
		}
		s.shutdownErr = errors.Join(s.shutdownErr, natsconn.Close(ctx, s.nc))
	})
	return s.shutdownErr
}

func (s *Service) handle(m *nats.Msg) {
	var cd ism.ClientData
	if err := ism.Unmarshal(m.Data, &cd); err != nil {
		s.log.Warn("bad ClientData", "error", err)
		return
	}
	if m.Reply == "" {
		return
	}
	ext := s.opts.Instance
	app := cd.AppVersionName
	ok := http.StatusText(http.StatusOK)
	data, err := ism.Marshal(&ism.ExtensionData{
		CorrelationID:         cd.CorrelationID,
		Timestamp:             ism.NowMillis(),
		Timeout:               cd.Timeout,
		AppVersionName:        &app,
		ExtensionInstanceName: &ext,
		EndpointID:            cd.EndpointID,
		ResourcePath:          cd.ResourcePath,
		RequestID:             cd.RequestID,
		Payload:               cd.Payload,
		StatusCode:            http.StatusOK,
		ReasonPhrase:          &ok,
	})
	if err != nil {
		s.log.Warn("encode ExtensionData", "error", err)
		return
	}
	if err := s.nc.Publish(m.Reply, data); err != nil {
		s.log.Warn("reply", "error", err)
	}
}
