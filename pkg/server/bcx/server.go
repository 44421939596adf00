// Package bcx is the Binary data Collection eXtension: it hands devices
// short-lived upload tokens over 1/KP (4/ESP resource /token), accepts blob
// uploads over REST with those tokens, stores them in a blobstore.Store and
// serves Kaa's management API to list, fetch and delete them.
package bcx

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/blobstore/backend"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/httpx"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
	"github.com/kaactl/kaactl/pkg/server/tlsutil"
)

// Options configures one BCX replica; BindFlags binds the flags of `kaactl
// serve bcx` to its fields.
type Options struct {
	// NATS is where token requests come from.
	NATS natsconn.Options
	// Instance is the extension instance name devices address (kp1/<app>/bcx/...).
	Instance string
	// RESTAddr serves uploads, management, /health and /metrics.
	RESTAddr string
	// TLSCert and TLSKey, when set, make RESTAddr HTTPS (PEM files).
	TLSCert string
	TLSKey  string
	// PathPrefix puts RESTAddr's paths under a prefix, e.g. /bcx as in Kaa's
	// cloud layout (https://<host>/bcx/api/v1/binary-data).
	PathPrefix string
	// TokenTTL is the default upload token lifetime (Kaa: kaa.bcx.tokens.expiration).
	TokenTTL time.Duration
	// MaxBlobSize bounds one upload.
	MaxBlobSize int64
	// TokenKeyFile holds the hex HMAC key signing upload tokens; replicas
	// that share it accept each other's tokens.
	TokenKeyFile string
	// CreateTokenKey generates TokenKeyFile (mode 0600) if it does not exist.
	CreateTokenKey bool
	// TokenKey, when set, is the key itself instead of TokenKeyFile's (from
	// a secret store, or a test).
	TokenKey []byte
	// Blobs chooses and configures the blob backend, which Start opens and
	// Shutdown closes.
	Blobs backend.Options
	// Store, when set, is the blob store instead of one opened from Blobs;
	// it stays the caller's to close.
	Store blobstore.Store
	// Issuers are the static issuers of management JWTs, "tenant=URL".
	Issuers []string
	// TenantManagerURL resolves the issuers of other tenants.
	TenantManagerURL string
	// Auth, when set, guards the management API instead of JWTs of Issuers
	// and TenantManagerURL (`kaactl up` takes its admin token).
	Auth Authenticator
	// Apps maps app versions to applications and applications to tenants.
	Apps kaaconfig.AppConfig

	Logger *slog.Logger
}

// Defaults match Kaa's where Kaa has one.
const (
	DefaultInstance     = "bcx"
	DefaultRESTAddr     = ":8090"
	DefaultTokenTTL     = time.Hour
	DefaultMaxBlobSize  = 16 << 30
	DefaultTokenKeyFile = "bcx-token.key"
)

// DefaultOptions returns options that run on a laptop next to a local NATS.
func DefaultOptions() Options {
	return Options{
		NATS:         natsconn.DefaultOptions(),
		Instance:     DefaultInstance,
		RESTAddr:     DefaultRESTAddr,
		TokenTTL:     DefaultTokenTTL,
		MaxBlobSize:  DefaultMaxBlobSize,
		TokenKeyFile: DefaultTokenKeyFile,
		Blobs:        backend.DefaultOptions(),
	}
}

// BindFlags binds the flags of `kaactl serve bcx`; the fields' current
// values are the defaults.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	o.NATS.BindFlags(fs)
	fs.StringVar(&o.Instance, "instance", o.Instance, "BCX extension instance name")
	fs.StringVar(&o.RESTAddr, "rest-addr", o.RESTAddr, "REST listen address: uploads, management, /health, /metrics")
	fs.StringVar(&o.TLSCert, "tls-cert", o.TLSCert, "server certificate PEM file: serve --rest-addr over HTTPS (with --tls-key)")
	fs.StringVar(&o.TLSKey, "tls-key", o.TLSKey, "server key PEM file of --tls-cert")
	fs.StringVar(&o.PathPrefix, "path-prefix", o.PathPrefix, "serve every path under this prefix, e.g. /bcx as in Kaa's cloud (https://<host>/bcx/api/v1/...)")
	o.Blobs.BindFlags(fs)
	fs.DurationVar(&o.TokenTTL, "token-ttl", o.TokenTTL, "upload token lifetime (per application: kaa.applications.<app>.bcx.tokens.expiration)")
	fs.StringVar(&o.TokenKeyFile, "token-key-file", o.TokenKeyFile, "hex HMAC key signing upload tokens; share it between replicas")
	fs.BoolVar(&o.CreateTokenKey, "create-token-key", o.CreateTokenKey, "generate --token-key-file (mode 0600) if it does not exist")
	fs.Int64Var(&o.MaxBlobSize, "max-blob-size", o.MaxBlobSize, "largest blob in bytes (413 above)")
	fs.StringVar(&o.TenantManagerURL, "tenant-manager-url", o.TenantManagerURL, "Tenant Manager base URL resolving tenant issuers")
	fs.StringSliceVar(&o.Issuers, "issuer", o.Issuers, "static tenant issuer, tenant=URL (repeatable)")
}

// Validate reports every problem of o at once (New does too).
func (o Options) Validate() error {
	_, err := o.authenticator()
	return errors.Join(o.validate(), err)
}

func (o *Options) validate() error {
	errs := []error{o.NATS.Validate()}
	if !ism.ValidToken(o.Instance) {
		errs = append(errs, fmt.Errorf("instance %q is not a valid NATS subject token", o.Instance))
	}
	if o.TokenTTL < time.Second {
		errs = append(errs, fmt.Errorf("token ttl %v is under 1s", o.TokenTTL))
	}
	if o.MaxBlobSize <= 0 {
		errs = append(errs, fmt.Errorf("max blob size %d must be positive", o.MaxBlobSize))
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		errs = append(errs, errors.New("tls-cert and tls-key go together"))
	}
	if err := httpx.ValidPrefix(o.PathPrefix); err != nil {
		errs = append(errs, fmt.Errorf("path-prefix: %w", err))
	}
	if o.TokenKeyFile == "" && o.TokenKey == nil {
		errs = append(errs, errors.New("token key file is empty"))
	}
	if o.Store == nil {
		if err := o.Blobs.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := o.Apps.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// authenticator is Auth, or the JWT verifier of the issuers, or Deny when
// there are none.
func (o *Options) authenticator() (Authenticator, error) {
	if o.Auth != nil {
		return o.Auth, nil
	}
	return auth.ForIssuers(o.Issuers, o.TenantManagerURL, o.Logger)
}

// Authenticator guards the management API (auth.Verifier, auth.StaticToken
// and auth.Deny are ones).
type Authenticator = auth.Authenticator

// Server is one BCX replica.
type Server struct {
	opts       Options
	log        *slog.Logger
	store      blobstore.Store
	closeStore func() error // nil when the store is the caller's
	signer     *TokenSigner
	auth       Authenticator
	metrics    *metrics

	handler  http.Handler // Handler
	nc       *nats.Conn
	sub      *nats.Subscription
	restSrv  *httpx.Server
	draining atomic.Bool
	now      func() time.Time
	runtime  runtimeConfig
	revoked  revocations

	shutdownOnce sync.Once
	shutdownErr  error
}

// New validates options and builds a replica; it opens nothing.
func New(opts Options) (*Server, error) {
	authn, err := opts.authenticator()
	if err := errors.Join(opts.validate(), err); err != nil {
		return nil, fmt.Errorf("bcx options: %w", err)
	}
	log := cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	s := &Server{
		opts: opts, log: log.With("service", "bcx"), store: opts.Store, auth: authn,
		metrics: newMetrics(), now: time.Now, runtime: runtimeConfig{tokenTTL: map[string]time.Duration{}},
	}
	s.handler = s.routes()
	return s, nil
}

// Handler serves uploads, the management API, /health and /metrics at
// their own paths: what RESTAddr serves under PathPrefix, and what `kaactl
// up` mounts at /bcx of its HTTPS origin. It answers once Start has returned.
func (s *Server) Handler() http.Handler { return s.handler }

// Start loads the token key, opens the blob store, connects to NATS
// (retrying in the background if it is not up yet) and opens the REST
// listener.
func (s *Server) Start(ctx context.Context) (err error) {
	key := s.opts.TokenKey
	if key == nil {
		key, err = LoadOrCreateKey(filepath.Clean(s.opts.TokenKeyFile), s.opts.CreateTokenKey)
	}
	if err != nil {
		if s.opts.CreateTokenKey {
			return err
		}
		return fmt.Errorf("%w (generate one with --create-token-key, or `openssl rand -hex 32 > %s`)", err, s.opts.TokenKeyFile)
	}
	if s.signer, err = NewTokenSigner(key); err != nil {
		return err
	}
	if _, denied := s.auth.(auth.Deny); denied {
		s.log.Warn("management API refuses every call: no --issuer or --tenant-manager-url given")
	}
	if s.store == nil {
		if s.store, s.closeStore, err = backend.Open(ctx, s.opts.Blobs, s.log); err != nil {
			return err
		}
	}
	defer func() {
		if err != nil {
			s.releaseStore()
			if s.nc != nil {
				s.nc.Close()
			}
		}
	}()
	if s.nc, err = natsconn.Connect(s.opts.NATS, "kaactl bcx", s.log, natsconn.Events{}); err != nil {
		return err
	}
	subj := ism.ServiceSubject(s.opts.Instance, ism.ProtoESP, ism.MsgClientData)
	if s.sub, err = s.nc.QueueSubscribe(subj, s.opts.Instance, s.onClientData); err != nil {
		return fmt.Errorf("subscribe %s: %w", subj, err)
	}
	events := map[string]nats.MsgHandler{
		ism.EventSubject(ism.AnyToken, ism.EntityService, ism.GroupConfiguration, ism.EventUpsert): s.onConfigEvent,
		ism.EventSubject(ism.AnyToken, ism.EntityService, ism.GroupConfiguration, ism.EventDelete): s.onConfigEvent,
		ism.EventSubject(ism.AnyToken, ism.EntityEndpoint, ism.GroupToken, ism.EventRevoked):       s.onTokenRevoked,
	}
	for subj, fn := range events {
		if _, err := s.nc.Subscribe(subj, fn); err != nil {
			return fmt.Errorf("subscribe %s: %w", subj, err)
		}
	}
	if s.nc.IsConnected() { // make sure the server has the subscription before we report ready
		_ = s.nc.FlushTimeout(5 * time.Second)
	}
	lo := httpx.Options{Addr: s.opts.RESTAddr, Handler: httpx.StripPrefix(s.opts.PathPrefix, s.handler), Logger: s.log}
	if s.opts.TLSCert != "" {
		cert, err := tlsutil.LoadCertificate(s.opts.TLSCert, s.opts.TLSKey, false, nil)
		if err != nil {
			return fmt.Errorf("bcx tls: %w", err)
		}
		lo.TLS = cert.ServerConfig()
	}
	if s.restSrv, err = httpx.Listen(lo); err != nil {
		return fmt.Errorf("bcx %w", err)
	}
	s.log.Info("bcx started", "rest", s.RESTAddr(), "tls", lo.TLS != nil, "prefix", s.opts.PathPrefix, "instance", s.opts.Instance, "nats", s.opts.NATS.Redacted())
	return nil
}

// releaseStore closes the store if Start opened it.
func (s *Server) releaseStore() error {
	if s.closeStore == nil {
		return nil
	}
	closeStore := s.closeStore
	s.closeStore = nil
	return closeStore()
}

// RESTAddr is the bound REST address.
func (s *Server) RESTAddr() string { return s.restSrv.Addr() }

// Shutdown drains: health turns 503, token requests already received are
// answered, uploads in progress finish (or ctx ends), then NATS is flushed
// and the blob store closed. Idempotent.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		s.draining.Store(true)
		if s.sub != nil {
			if err := s.sub.Drain(); err != nil {
				s.shutdownErr = errors.Join(s.shutdownErr, err)
			}
		}
		if err := s.restSrv.Shutdown(ctx); err != nil {
			s.shutdownErr = errors.Join(s.shutdownErr, fmt.Errorf("rest shutdown: %w", err))
		}
		_ = natsconn.Close(ctx, s.nc)
		if err := s.releaseStore(); err != nil {
			s.shutdownErr = errors.Join(s.shutdownErr, fmt.Errorf("blob store close: %w", err))
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
	now := s.now()
	tok := s.signer.Sign(TokenClaims{App: appName, EndpointID: *cd.EndpointID, Expires: now.Add(s.tokenTTL(appName)).Unix(), Issued: now.UnixMilli()})
	s.metrics.tokens.WithLabelValues("issued").Inc()
	return http.StatusOK, "", []byte(`{"token":"` + tok + `"}`)
}
