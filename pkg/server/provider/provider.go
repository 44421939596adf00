package provider

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/kaactl/kaactl/internal/workpool"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
)

// maxInFlight bounds the NATS requests handled at once (token validation and
// first uses may write to the store).
const maxInFlight = 64

// workerIdle is how long a request worker waits for the next request
// before it ends.
const workerIdle = 10 * time.Second

// Provider is the credential provider service: a store plus its NATS and
// REST faces.
type Provider struct {
	opts Options
	log  *slog.Logger
	db   *storeDB

	// slots is a semaphore of maxInFlight slots, one per NATS request being
	// handled; Shutdown takes them all to wait for the last one.
	slots   chan struct{}
	workers *workpool.Pool // run what async hands them
	// basicCache holds the basic credentials decoded for authentication.
	basicCache *basicCache
	// stopping is closed when Shutdown stops waiting for the subscriptions
	// to drain, so that late messages are dropped instead of waiting for a
	// slot that Shutdown holds.
	stopping chan struct{}

	mu      sync.Mutex // guards the fields below
	nc      *nats.Conn
	subs    []*nats.Subscription
	started bool
	stopped bool

	// dummyHash is compared against when a username is unknown, so that the
	// answer takes as long as for a known one.
	dummyHash passwordHash

	restSrv *http.Server // set by Start, under mu
	restLn  net.Listener

	// counts and summaryEvery: per-endpoint events are logged at debug,
	// their counts at info every summaryEvery (tests shorten it).
	counts       endpointCounts
	summaryEvery time.Duration
	stopSummary  func()

	shutdownOnce sync.Once
	shutdownErr  error
}

// New validates opts; it opens nothing. The store opens in Start.
func New(opts Options) (*Provider, error) {
	opts = opts.withDefaults()
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("provider options: %w", err)
	}
	log := cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	return &Provider{
		opts:    opts,
		log:     log.With("service", "provider", "instance", opts.Instance, "cap_instance", opts.CAPInstance),
		slots:   make(chan struct{}, maxInFlight),
		workers: workpool.New(workerIdle),

		basicCache: newBasicCache(basicCacheSize),
		stopping:   make(chan struct{}),

		dummyHash:    parseHash(hashPassword("no such credentials")),
		summaryEvery: summaryEvery,
	}, nil
}

// Start opens (or creates) the store in opts.DataDir, connects to NATS
// (retrying in the background if it is not up yet), subscribes to the
// 16/ECAP and 22/CAP requests in queue groups named after the instances so
// that replicas share the load, and opens the REST API if configured. The
// store methods (CreateApp, ...) work from then until Shutdown.
func (p *Provider) Start(ctx context.Context) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.stopped:
		return errors.New("provider is shut down")
	case p.started:
		return errors.New("provider already started")
	}
	if p.opts.RESTAddr != "" && p.opts.AdminToken == "" {
		b, err := os.ReadFile(p.opts.AdminTokenFile)
		if err != nil {
			return fmt.Errorf("admin token: %w", err)
		}
		p.opts.AdminToken = strings.TrimSpace(string(b))
	}
	if p.db, err = openStore(p.opts.DataDir); err != nil {
		return err
	}
	p.log.Info("provider store opened", "path", p.db.Path())
	if err := p.basicCache.warm(p.db); err != nil {
		_ = p.db.Close()
		return fmt.Errorf("provider store %s: %w", p.db.Path(), err)
	}
	defer func() {
		if err != nil { // Shutdown closes what Start opened only once started
			_ = p.db.Close()
			if p.nc != nil {
				p.nc.Close()
			}
			p.nc, p.subs = nil, nil
		}
	}()
	if p.nc, err = natsconn.Connect(p.opts.NATS, "kaactl provider", p.log, natsconn.Events{}); err != nil {
		return err
	}
	if p.subs, err = p.subscribe(p.nc); err != nil {
		return err
	}
	if p.opts.RESTAddr != "" {
		ln, err := net.Listen("tcp", p.opts.RESTAddr)
		if err != nil {
			return fmt.Errorf("provider rest listen %s: %w", p.opts.RESTAddr, err)
		}
		srv := &http.Server{
			Handler:           p.restHandler(),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		}
		p.restLn, p.restSrv = ln, srv
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				p.log.Error("provider rest server stopped", "addr", ln.Addr().String(), "error", err)
			}
		}()
	}
	p.started = true
	p.stopSummary = p.startSummary()
	rest := ""
	if p.restLn != nil {
		rest = p.restLn.Addr().String()
	}
	p.log.Info("provider started", "rest", rest, "nats", p.opts.NATS.Redacted())
	return nil
}

// openStore opens (or creates) the bbolt file in dir: the directory with
// mode 0700, the file with 0600.
func openStore(dir string) (*storeDB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("provider data dir: %w", err)
	}
	path := filepath.Join(dir, DBFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("provider store %s is in use by another process", path)
		}
		return nil, fmt.Errorf("provider store %s: %w", path, err)
	}
	if err := initStore(db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("provider store %s: %w", path, err)
	}
	return &storeDB{DB: db}, nil
}

// RESTAddr is the bound management address ("" when disabled or not started).
func (p *Provider) RESTAddr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.restLn == nil {
		return ""
	}
	return p.restLn.Addr().String()
}

// Shutdown stops the REST API (letting running calls finish), drains the NATS
// subscriptions (answering the requests already received), closes the store
// and the NATS connection. Idempotent; ctx bounds the wait.
func (p *Provider) Shutdown(ctx context.Context) error {
	p.shutdownOnce.Do(func() {
		var errs []error
		p.mu.Lock()
		p.stopped = true
		started, subs, restSrv, stopSummary := p.started, p.subs, p.restSrv, p.stopSummary
		p.mu.Unlock()
		if !started {
			return
		}
		if restSrv != nil {
			if err := restSrv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("provider rest shutdown: %w", err))
				_ = restSrv.Close()
			}
		}
		connected := p.conn().IsConnected()
		for _, s := range subs {
			closed := s.StatusChanged(nats.SubscriptionClosed)
			if err := s.Drain(); err != nil || !connected {
				continue // no connection: nothing more will arrive
			}
			select {
			case <-closed:
			case <-ctx.Done():
				errs = append(errs, fmt.Errorf("provider drain %s: %w", s.Subject, ctx.Err()))
			}
		}
		close(p.stopping)
		// Wait for the handlers still running: take every slot.
	wait:
		for range maxInFlight {
			select {
			case p.slots <- struct{}{}:
			case <-ctx.Done():
				errs = append(errs, fmt.Errorf("provider in-flight requests: %w", ctx.Err()))
				break wait
			}
		}
		stopSummary()
		// Close waits for open transactions; later ones fail with
		// bolt.ErrDatabaseNotOpen.
		if err := p.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("provider store close: %w", err))
		}
		if err := natsconn.Close(ctx, p.conn()); err != nil {
			errs = append(errs, fmt.Errorf("provider %w", err))
		}
		p.shutdownErr = errors.Join(errs...)
		p.log.Info("provider stopped")
	})
	return p.shutdownErr
}

// conn returns the NATS connection once started, or nil.
func (p *Provider) conn() *nats.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.nc
}
