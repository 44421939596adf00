package kpc

import (
	"net/http"
	"net/http/pprof"

	"github.com/kaactl/kaactl/pkg/server/httpx/auth"
)

// ScopePprof is the scope a tenant JWT needs for /debug/pprof/ (the admin
// token of `kaactl up` has every scope).
const ScopePprof = "kpc:pprof"

// mountPprof serves net/http/pprof's handlers under /debug/pprof/ (Options
// Pprof) on the management mux, never on http.DefaultServeMux. They are
// guarded as /api/v1/sessions is; a replica with no way to verify callers
// (no admin token, no issuer) serves them open, like /metrics: the operator
// turned them on for the management address.
func (s *Server) mountPprof(mux *http.ServeMux) {
	if !s.opts.Pprof {
		return
	}
	guard := func(h http.HandlerFunc) http.Handler { return s.auth.Middleware(ScopePprof, h) }
	if _, none := s.auth.(auth.Deny); none {
		s.log.Warn("pprof served without authentication: no admin token or issuer configured", "path", "/debug/pprof/")
		guard = func(h http.HandlerFunc) http.Handler { return h }
	}
	mux.Handle("GET /debug/pprof/", guard(pprof.Index)) // named profiles too: heap, goroutine, allocs, ...
	mux.Handle("GET /debug/pprof/cmdline", guard(pprof.Cmdline))
	mux.Handle("GET /debug/pprof/profile", guard(pprof.Profile))
	mux.Handle("GET /debug/pprof/symbol", guard(pprof.Symbol))
	mux.Handle("POST /debug/pprof/symbol", guard(pprof.Symbol))
	mux.Handle("GET /debug/pprof/trace", guard(pprof.Trace))
}
