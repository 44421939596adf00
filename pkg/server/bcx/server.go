// Package bcx is the Binary data Collection eXtension: it hands devices
// short-lived upload tokens over 1/KP (4/ESP resource /token), accepts blob
// uploads over REST with those tokens, stores them in a blobstore.Store and
// serves Kaa's management API to list, fetch and delete them.
package bcx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// Options configures one BCX replica.
type Options struct {
	NATSURL string `yaml:"nats"`
	// Instance is the extension instance name devices address (kp1/<app>/bcx/...).
	Instance string `yaml:"instance"`
	// RESTAddr serves uploads, management, /health and /metrics.
	RESTAddr string `yaml:"rest-addr"`
	// TokenTTL is the default upload token lifetime (Kaa: kaa.bcx.tokens.expiration).
	TokenTTL time.Duration `yaml:"token-ttl"`
	// MaxBlobSize bounds one upload.
	MaxBlobSize int64 `yaml:"max-blob-size"`
	// Apps maps app versions to applications and applications to tenants.
	Apps kaaconfig.AppConfig `yaml:"-"`

	Logger *slog.Logger `yaml:"-"`
}

// Defaults match Kaa's where Kaa has one.
const (
	DefaultInstance    = "bcx"
	DefaultRESTAddr    = ":8090"
	DefaultTokenTTL    = time.Hour
	DefaultMaxBlobSize = 16 << 30
)

// DefaultOptions returns options that run on a laptop.
func DefaultOptions() Options {
	return Options{
		NATSURL:     "nats://127.0.0.1:4222",
		Instance:    DefaultInstance,
		RESTAddr:    DefaultRESTAddr,
		TokenTTL:    DefaultTokenTTL,
		MaxBlobSize: DefaultMaxBlobSize,
	}
}

func (o *Options) validate() error {
	var errs []error
	if o.NATSURL == "" {
		errs = append(errs, errors.New("nats url is empty"))
	}
	if !ism.ValidToken(o.Instance) {
		errs = append(errs, fmt.Errorf("instance %q is not a valid NATS subject token", o.Instance))
	}
	if o.TokenTTL < time.Second {
		errs = append(errs, fmt.Errorf("token ttl %v is under 1s", o.TokenTTL))
	}
	if o.MaxBlobSize <= 0 {
		errs = append(errs, fmt.Errorf("max blob size %d must be positive", o.MaxBlobSize))
	}
	if err := o.Apps.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Authenticator guards the management API: it authenticates the bearer JWT,
// requires a scope, and tells which tenant the caller belongs to.
type Authenticator interface {
	Middleware(scope string, next http.Handler) http.Handler
	Tenant(ctx context.Context) (string, bool)
}

// Server is one BCX replica.
type Server struct {
	opts    Options
	log     *slog.Logger
	store   blobstore.Store
	signer  *TokenSigner
	auth    Authenticator
	metrics *metrics

	nc       *nats.Conn
	sub      *nats.Subscription
	restSrv  *http.Server
	restLn   net.Listener
	draining atomic.Bool
	now      func() time.Time
	runtime  runtimeConfig

	shutdownOnce sync.Once
	shutdownErr  error
}

// New validates options and builds a replica; it opens nothing.
func New(opts Options, store blobstore.Store, signer *TokenSigner, auth Authenticator) (*Server, error) {
	var errs []error
	if err := opts.validate(); err != nil {
		errs = append(errs, err)
	}
	if store == nil {
		errs = append(errs, errors.New("no blob store"))
	}
	if signer == nil {
		errs = append(errs, errors.New("no token signer"))
	}
	if auth == nil {
		errs = append(errs, errors.New("no management authenticator"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bcx options: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Server{
		opts: opts, log: log.With("service", "bcx"), store: store, signer: signer, auth: auth,
		metrics: newMetrics(), now: time.Now, runtime: runtimeConfig{tokenTTL: map[string]time.Duration{}},
	}, nil
}

// Start connects to NATS (retrying in the background if it is not up yet)
// and opens the REST listener.
func (s *Server) Start(ctx context.Context) error {
	nc, err := nats.Connect(s.opts.NATSURL,
		nats.Name("kaactl bcx"),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: our own Close
				s.log.Warn("nats disconnected", "error", err)
			}
		}),
	)
	if err != nil {
		return fmt.Errorf("connect nats %s: %w", s.opts.NATSURL, err)
	}
	s.nc = nc
	subj := ism.ServiceSubject(s.opts.Instance, ism.ProtoESP, ism.MsgClientData)
	if s.sub, err = nc.QueueSubscribe(subj, s.opts.Instance, s.onClientData); err != nil {
		nc.Close()
		return fmt.Errorf("subscribe %s: %w", subj, err)
	}
	for _, ev := range []string{ism.EventUpsert, ism.EventDelete} {
		cfgSubj := ism.EventSubject(ism.AnyToken, ism.EntityService, ism.GroupConfiguration, ev)
		if _, err := nc.Subscribe(cfgSubj, s.onConfigEvent); err != nil {
			nc.Close()
			return fmt.Errorf("subscribe %s: %w", cfgSubj, err)
		}
	}
	if nc.IsConnected() { // make sure the server has the subscription before we report ready
		_ = nc.FlushTimeout(5 * time.Second)
	}
	ln, err := net.Listen("tcp", s.opts.RESTAddr)
	if err != nil {
		nc.Close()
		return fmt.Errorf("bcx listen %s: %w", s.opts.RESTAddr, err)
	}
	s.restLn = ln
	s.restSrv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := s.restSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("rest server stopped", "error", err)
		}
	}()
	s.log.Info("bcx started", "rest", ln.Addr().String(), "instance", s.opts.Instance, "nats", s.opts.NATSURL)
	return nil
}

// RESTAddr is the bound REST address.
func (s *Server) RESTAddr() string {
	if s.restLn == nil {
		return ""
	}
	return s.restLn.Addr().String()
}

// Shutdown drains: health turns 503, token requests already received are
// answered, uploads in progress finish (or ctx ends), then NATS is flushed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		s.draining.Store(true)
		if s.sub != nil {
			if err := s.sub.Drain(); err != nil {
				s.shutdownErr = errors.Join(s.shutdownErr, err)
			}
		}
		if s.restSrv != nil {
			if err := s.restSrv.Shutdown(ctx); err != nil {
				s.shutdownErr = errors.Join(s.shutdownErr, fmt.Errorf("rest shutdown: %w", err))
			}
		}
		if s.nc != nil {
			_ = s.nc.FlushWithContext(ctx)
			s.nc.Close()
		}
	})
	return s.shutdownErr
}

// onClientData answers 4/ESP requests: /token issues an upload token.
func (s *Server) onClientData(m *nats.Msg) {
	var cd ism.ClientData
	if err := ism.Unmarshal(m.Data, &cd); err != nil {
		s.log.Warn("bad ClientData", "error", err)
		s.metrics.tokens.WithLabelValues("bad_request").Inc()
		return
	}
	status, reason, payload := s.handleESP(&cd)
	app, ext := cd.AppVersionName, s.opts.Instance
	var rp *string
	if reason != "" {
		rp = &reason
	}
	data, err := ism.Marshal(&ism.ExtensionData{
		CorrelationID: cd.CorrelationID, Timestamp: ism.NowMillis(), Timeout: cd.Timeout,
		AppVersionName: &app, ExtensionInstanceName: &ext, EndpointID: cd.EndpointID,
		ResourcePath: cd.ResourcePath, RequestID: cd.RequestID, Payload: payload,
		StatusCode: int32(status), ReasonPhrase: rp,
	})
	if err != nil {
		s.log.Error("encode ExtensionData", "error", err)
		return
	}
	reply := m.Reply
	if reply == "" {
		reply = ism.ServiceSubject("kpc", ism.ProtoESP, ism.MsgExtensionData)
	}
	if err := s.nc.Publish(reply, data); err != nil {
		s.log.Warn("reply", "error", err)
	}
}

func (s *Server) handleESP(cd *ism.ClientData) (status int, reason string, payload []byte) {
	if cd.ResourcePath != "/token" {
		s.metrics.tokens.WithLabelValues("not_found").Inc()
		return http.StatusNotFound, "unknown resource " + cd.ResourcePath + ": BCX serves /token", nil
	}
	if cd.EndpointID == nil || *cd.EndpointID == "" {
		s.metrics.tokens.WithLabelValues("bad_request").Inc()
		return http.StatusBadRequest, "upload tokens are issued to identified endpoints only", nil
	}
	appName, ok := s.opts.Apps.AppName(cd.AppVersionName)
	if !ok {
		s.metrics.tokens.WithLabelValues("not_found").Inc()
		return http.StatusNotFound, "unknown application version " + cd.AppVersionName, nil
	}
	tok := s.signer.Sign(TokenClaims{App: appName, EndpointID: *cd.EndpointID, Expires: s.now().Add(s.tokenTTL(appName)).Unix()})
	s.metrics.tokens.WithLabelValues("issued").Inc()
	return http.StatusOK, "", []byte(`{"token":"` + tok + `"}`)
}
