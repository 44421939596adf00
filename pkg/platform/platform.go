// Package platform is what `kaactl up` runs, as one lifecycle: an embedded
// NATS server, the credential provider, the echo extension, BCX and KPC in
// one process, sharing one data directory that also holds the demo tenant's
// application and the admin token of the management APIs.
package platform

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/kaactl/kaactl/pkg/blobstore/backend"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/bcx"
	"github.com/kaactl/kaactl/pkg/server/echo"
	"github.com/kaactl/kaactl/pkg/server/embednats"
	"github.com/kaactl/kaactl/pkg/server/httpx"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth"
	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
	"github.com/kaactl/kaactl/pkg/server/provider"
	"github.com/kaactl/kaactl/pkg/server/tlsutil"
)

// The demo set-up created on the first start in a data dir.
const (
	DemoTenant     = kaaconfig.DefaultTenant
	DemoApp        = "demo"
	DemoAppVersion = "demo-v1"
)

// Files and directories inside the data dir.
const (
	AdminTokenFile = "admin.token"
	// NATSTokenFile holds the embedded NATS server's authorization token.
	NATSTokenFile = "nats.token"
	providerDir   = "provider"
	blobsDir      = "blobs"
	tokenKeyFile  = "bcx-token.key"
	tlsCertFile   = "kpc-tls.crt"
	tlsKeyFile    = "kpc-tls.key"
)

// Platform is a running `kaactl up`.
type Platform struct {
	opts Options
	log  *slog.Logger

	ns         *server.Server
	provider   *provider.Provider
	echo       *echo.Service
	bcx        *bcx.Server
	kpc        *kpc.Server
	https      *httpx.Server // Kaa's cloud layout (https.go)
	certFile   string        // the platform certificate's PEM file; "" without TLS
	adminToken string
	natsToken  string
	blobs      string
	// autoRegister is the demo application's setting as stored.
	autoRegister bool
	// appsMu orders the application config updates of KPC (syncApps).
	appsMu sync.Mutex

	started      atomic.Bool
	shutdownOnce sync.Once
	shutdownErr  error
}

// New validates o, with every problem of every service at once; it opens
// nothing.
func New(o Options) (*Platform, error) {
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("platform options: %w", err)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o.Logger = log
	return &Platform{opts: o, log: log}, nil
}

// services are the options the platform gives each service.
type services struct {
	kpc      kpc.Options
	bcx      bcx.Options
	provider provider.Options
	echo     echo.Options
	blobs    string // the blob backend's name
}

// services are the options of every service; cert is the platform
// certificate (loadCert), nil without TLS.
func (o *Options) services(nc natsconn.Options, adminToken string, cert *tlsutil.Certificate) services {
	s := services{kpc: o.KPC, bcx: o.BCX, provider: o.Provider, echo: echo.DefaultOptions()}

	s.kpc.NATS, s.kpc.Logger = nc, cmp.Or(s.kpc.Logger, o.Logger)
	if s.kpc.Auth == nil { // the admin sees every session
		s.kpc.Auth = auth.StaticToken{Token: adminToken, TenantID: kpc.AllTenants}
	}
	if cert != nil { // loaded by the platform from KPC's TLS files, if any
		s.kpc.Certificate, s.kpc.TLSCert, s.kpc.TLSKey, s.kpc.TLSGenerate = cert, "", "", false
	}

	s.provider.NATS, s.provider.Logger = nc, cmp.Or(s.provider.Logger, o.Logger)
	s.provider.Instance, s.provider.DataDir, s.provider.AdminToken = o.KPC.ECAPProvider, filepath.Join(o.DataDir, providerDir), adminToken

	s.echo.NATS, s.echo.Logger = nc, o.Logger

	s.bcx.NATS, s.bcx.Logger, s.bcx.Apps = nc, cmp.Or(s.bcx.Logger, o.Logger), o.KPC.Apps
	s.bcx.TokenKeyFile, s.bcx.CreateTokenKey = filepath.Join(o.DataDir, tokenKeyFile), true
	s.bcx.Auth = auth.StaticToken{Token: adminToken, TenantID: DemoTenant}
	if s.bcx.TokenTTL == 0 {
		s.bcx.TokenTTL = bcx.DefaultTokenTTL
	}
	if s3 := &s.bcx.Blobs.S3; s3.Endpoint != "" || s3.Bucket != "" {
		s.bcx.Blobs.Backend = backend.S3
		if s3.Bucket == "" {
			s3.Bucket = "kaa-bcx"
		}
	} else {
		s.bcx.Blobs.Backend, s.bcx.Blobs.DiskDir = backend.Disk, filepath.Join(o.DataDir, blobsDir)
	}
	s.blobs = s.bcx.Blobs.Backend
	return s
}

// Start runs everything and returns once every service listens: the admin
// token (created on first start), NATS, the provider with the demo
// application, the extension, BCX, KPC, then the HTTPS origin, so that
// devices find everything behind it. When a step fails, what started is shut down.
func (p *Platform) Start(ctx context.Context) (err error) {
	if p.started.Swap(true) {
		return errors.New("platform already started")
	}
	if err := os.MkdirAll(p.opts.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if p.adminToken, err = loadOrCreateToken(p.AdminTokenPath()); err != nil {
		return fmt.Errorf("admin token: %w", err)
	}
	if p.natsToken, err = loadOrCreateToken(p.NATSTokenPath()); err != nil {
		return fmt.Errorf("nats token: %w", err)
	}
	defer func() {
		if err != nil {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = p.Shutdown(ctx)
		}
	}()
	if err := checkListen(p.opts.NATSAddr); err != nil {
		return fmt.Errorf("nats: %w", err)
	}
	if p.ns, err = embednats.Start(p.opts.NATSAddr, p.natsToken); err != nil {
		return err
	}
	cert, err := p.loadCert()
	if err != nil {
		return err
	}
	s := p.opts.services(natsconn.Options{URL: p.ns.ClientURL(), Token: p.natsToken, InProcess: p.ns}, p.adminToken, cert)
	s.provider.OnAppsChange = p.syncApps
	p.blobs = s.blobs
	if p.provider, err = provider.New(s.provider); err != nil {
		return err
	}
	if err := p.provider.Start(ctx); err != nil {
		return err
	}
	if err := p.demoApp(ctx); err != nil {
		return err
	}
	// The tenant policies set with `kaactl tenants policy` survive restarts in
	// the provider's store; KPC, which would miss their 17/SCMP events, gets
	// them at start.
	policies, err := p.provider.TenantConfigs(ctx)
	if err != nil {
		return fmt.Errorf("tenant configurations: %w", err)
	}
	if p.opts.Echo {
		if p.echo, err = echo.New(s.echo); err != nil {
			return err
		}
		if err := p.echo.Start(ctx); err != nil {
			return err
		}
	}
	if p.bcx, err = bcx.New(s.bcx); err != nil {
		return err
	}
	if err := p.bcx.Start(ctx); err != nil {
		return err
	}
	k, err := kpc.New(s.kpc)
	if err != nil {
		return err
	}
	// KPC knows the provider's applications before the first device does.
	p.appsMu.Lock()
	p.kpc = k
	err = p.setApps(ctx)
	p.appsMu.Unlock()
	if err != nil {
		return err
	}
	for tenant, c := range policies {
		if err := p.kpc.SetTenantPolicy(tenant, &c); err != nil {
			return fmt.Errorf("tenant %s configuration: %w", tenant, err)
		}
	}
	if err := p.kpc.Start(ctx); err != nil {
		return err
	}
	return p.startHTTPS(cert)
}

// demoApp creates the demo application on the first start, and applies
// Options.AutoRegister to it on every start, so that the flag means the same
// whatever the data dir saw before.
func (p *Platform) demoApp(ctx context.Context) error {
	app, err := p.provider.CreateApp(ctx, DemoTenant, DemoApp, []string{DemoAppVersion}, p.opts.AutoRegister)
	if errors.Is(err, provider.ErrExists) {
		app, err = p.provider.SetAutoRegister(ctx, DemoTenant, DemoApp, p.opts.AutoRegister)
	}
	if err != nil {
		return fmt.Errorf("demo application: %w", err)
	}
	p.autoRegister = app.AutoRegister
	return nil
}

// checkListen fails with the bind error when addr cannot be listened on:
// nats-server only logs it (and up runs it without a log), so a taken port
// would otherwise show as a server that never gets ready. Port 0 always
// binds.
func checkListen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return ln.Close()
}

// Shutdown drains KPC first (no new requests; those in flight are
// answered), then BCX, the extension, the provider, and stops NATS.
// Idempotent; ctx bounds the drain.
func (p *Platform) Shutdown(ctx context.Context) error {
	p.shutdownOnce.Do(func() {
		p.log.Info("shutting down")
		// The HTTPS origin drains next to KPC: KPC refuses new requests
		// and waits for those in flight on every port, then BCX waits for
		// uploads.
		httpsDone := make(chan error, 1)
		go func() { httpsDone <- p.https.Shutdown(ctx) }()
		var errs []error
		if p.kpc != nil {
			errs = append(errs, p.kpc.Shutdown(ctx))
		}
		errs = append(errs, <-httpsDone)
		if p.bcx != nil {
			errs = append(errs, p.bcx.Shutdown(ctx))
		}
		if p.echo != nil {
			errs = append(errs, p.echo.Shutdown(ctx))
		}
		if p.provider != nil {
			errs = append(errs, p.provider.Shutdown(ctx))
		}
		if p.ns != nil {
			p.ns.Shutdown()
		}
		p.shutdownErr = errors.Join(errs...)
	})
	return p.shutdownErr
}

// NATSURL is the embedded NATS server's client URL with the platform's
// token in it, nats://<token>@host:port, what a program on this machine
// connects with ("" before Start). It holds a secret: never log it.
func (p *Platform) NATSURL() string {
	if p.ns == nil {
		return ""
	}
	u, err := url.Parse(p.ns.ClientURL())
	if err != nil {
		return ""
	}
	u.User = url.User(p.natsToken)
	return u.String()
}

// NATSAddr is where the embedded NATS server listens, host:port ("" before
// Start); clients need the token of NATSTokenPath.
func (p *Platform) NATSAddr() string {
	if p.ns == nil {
		return ""
	}
	return p.ns.Addr().String()
}

// NATSTokenPath is the file holding the embedded NATS server's token (mode 0600).
func (p *Platform) NATSTokenPath() string { return filepath.Join(p.opts.DataDir, NATSTokenFile) }

// KPC is the device edge (nil before Start).
func (p *Platform) KPC() *kpc.Server { return p.kpc }

// BCX is the blob extension (nil before Start).
func (p *Platform) BCX() *bcx.Server { return p.bcx }

// Provider is the credential provider (nil before Start); its store methods
// manage applications, endpoints and credentials directly.
func (p *Platform) Provider() *provider.Provider { return p.provider }

// AdminToken is the bearer token of the BCX and provider management APIs.
func (p *Platform) AdminToken() string { return p.adminToken }

// AdminTokenPath is the file holding AdminToken (mode 0600).
func (p *Platform) AdminTokenPath() string { return filepath.Join(p.opts.DataDir, AdminTokenFile) }

// DataDir is where the platform keeps its state.
func (p *Platform) DataDir() string { return p.opts.DataDir }

// Blobs names the blob backend: "disk" or "s3".
func (p *Platform) Blobs() string { return p.blobs }

// AutoRegister reports whether the demo application accepts unknown
// endpoint tokens, as stored (after Start: what Options.AutoRegister set).
func (p *Platform) AutoRegister() bool { return p.autoRegister }
