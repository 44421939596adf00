// Package httpx is what the services' HTTP listeners share: one server with
// the same timeouts over plain HTTP and TLS, a service mounted under a path
// prefix (Kaa's cloud layout: /kpc/..., /bcx/...), and Kaa's JSON error body
// for the paths nothing serves.
package httpx

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts of every service listener, plain or TLS.
const (
	// DefaultReadHeaderTimeout bounds a request's headers, and the TLS
	// handshake: net/http gives the handshake its smallest timeout, so a
	// client that connects and stays silent holds a goroutine this long.
	DefaultReadHeaderTimeout = 10 * time.Second
	// IdleTimeout closes keep-alive connections without requests.
	IdleTimeout = 2 * time.Minute
)

// Options configures a listener.
type Options struct {
	// Addr is the listen address.
	Addr string
	// Handler serves every request.
	Handler http.Handler
	// TLS, when set, makes the listener HTTPS (see tlsutil.ServerConfig).
	// Plain HTTP sent to it is answered "400 Client sent an HTTP request to
	// an HTTPS server" by net/http.
	TLS *tls.Config
	// ReadHeaderTimeout is DefaultReadHeaderTimeout when 0.
	ReadHeaderTimeout time.Duration
	// Logger gets net/http's own complaints (TLS handshake errors, accept
	// retries) instead of stderr.
	Logger *slog.Logger
}

// Server is one HTTP or HTTPS listener. A nil *Server is a disabled one:
// its methods do nothing.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Listen binds o.Addr and serves in the background until Shutdown or
// Close; an empty Addr disables the listener and returns nil.
func Listen(o Options) (*Server, error) {
	if o.Addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", o.Addr, err)
	}
	log := cmp.Or(o.Logger, slog.New(slog.DiscardHandler))
	s := &Server{ln: ln, srv: &http.Server{
		Handler:           o.Handler,
		ReadHeaderTimeout: cmp.Or(o.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		IdleTimeout:       IdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelInfo),
	}}
	serving := ln
	if o.TLS != nil {
		cfg := o.TLS.Clone()
		// HTTP/1.1 only: MQTT over WebSocket needs its upgrade, which HTTP/2
		// has not, and devices speak 1.1.
		cfg.NextProtos = []string{"http/1.1"}
		serving = tls.NewListener(ln, cfg)
	}
	go func() {
		if err := s.srv.Serve(serving); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "addr", ln.Addr().String(), "error", err)
		}
	}()
	return s, nil
}

// Addr is the bound address ("" when disabled).
func (s *Server) Addr() string {
	if s == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Shutdown stops accepting and waits for the requests in progress (or ctx).
func (s *Server) Shutdown(ctx context.Context) error {
	if s == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	if s == nil {
		return nil
	}
	return s.srv.Close()
}
