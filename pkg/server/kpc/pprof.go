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
// guarded as /api/v1/sessions is: profiles show memory contents and timing,
// so a replica with no way to verify callers (no issuer, no admin token)
// answers 401 like its sessions. The command line is not served: it may hold
// secrets passed as flags.
func (s *Server) mountPprof(mux *http.ServeMux) {
	if !s.opts.Pprof {
		return
	}
	guard := func(h http.HandlerFunc) http.Handler { return s.auth.Middleware(ScopePprof, h) }
	if _, none := s.auth.(auth.Deny); none {
		s.log.Warn("--pprof needs credentials to be of use: /debug/pprof/ answers 401 without an issuer (--issuer, --tenant-manager-url) or kaactl up's admin token")
	}
	mux.Handle("GET /debug/pprof/", guard(pprof.Index)) // named profiles too: heap, goroutine, allocs, ...
	mux.Handle("GET /debug/pprof/profile", guard(pprof.Profile))
	mux.Handle("GET /debug/pprof/symbol", guard(pprof.Symbol))
	mux.Handle("POST /debug/pprof/symbol", guard(pprof.Symbol))
	mux.Handle("GET /debug/pprof/trace", guard(pprof.Trace))
}
