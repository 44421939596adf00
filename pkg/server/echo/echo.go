// Package echo is a minimal 4/ESP extension service: it answers every request
// with its own payload. It is the demo extension of `kaactl up` and the
// responder of the KPC benchmarks; it also shows how small an extension can be.
package echo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/ism"
)

// Options configures the echo extension.
type Options struct {
	// Instance is the extension instance name devices address (kp1/<app>/<instance>/...).
	Instance string
	// QueueGroup spreads requests over replicas; defaults to Instance (3/ISM).
	QueueGroup string
	Logger     *slog.Logger
}

// Service answers ClientData on kaa.v1.service.<instance>.esp.ClientData.
type Service struct {
	opts Options
	log  *slog.Logger
	nc   *nats.Conn
	sub  *nats.Subscription
}

// New validates options.
func New(opts Options) (*Service, error) {
	if opts.Instance == "" {
		opts.Instance = "echo"
	}
	if !ism.ValidToken(opts.Instance) {
		return nil, fmt.Errorf("echo: instance %q is not a valid NATS subject token", opts.Instance)
	}
	if opts.QueueGroup == "" {
		opts.QueueGroup = opts.Instance
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{opts: opts, log: log.With("service", "echo", "instance", opts.Instance)}, nil
}

// Start subscribes on nc (which the caller owns).
func (s *Service) Start(_ context.Context, nc *nats.Conn) error {
	s.nc = nc
	sub, err := nc.QueueSubscribe(ism.ServiceSubject(s.opts.Instance, ism.ProtoESP, ism.MsgClientData), s.opts.QueueGroup, s.handle)
	if err != nil {
		return fmt.Errorf("echo subscribe: %w", err)
	}
	s.sub = sub
	if nc.IsConnected() { // the subscription is live once Start returns
		_ = nc.FlushTimeout(5 * time.Second)
	}
	return nil
}

// Shutdown stops taking requests after answering those already received.
func (s *Service) Shutdown(_ context.Context) error {
	if s.sub == nil {
		return nil
	}
	return s.sub.Drain()
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
