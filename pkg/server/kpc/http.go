package kpc

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/kp"
	"github.com/kaactl/kaactl/pkg/server/httpx"
)

// errTokenRevoked is the stop cause of sessions closed by a revocation event.
var errTokenRevoked = errors.New("endpoint token revoked")

// kpHandler serves 1/KP over HTTP: POST /kp1/<app>/<ext>/<token>/<resource>,
// answered synchronously with the extension's status and payload.
func (s *Server) kpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/kp1/", s.serveKP)
	return httpx.JSONErrors(mux)
}

func writeKPError(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(kp.ErrorPayload(status, reason))
}

func (s *Server) serveKP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeKPError(w, http.StatusMethodNotAllowed, "1/KP over HTTP accepts POST only")
		return
	}
	req, err := kp.ParseHTTPPath(r.URL.Path, s.appConfig().EndpointAware)
	if err != nil {
		s.metrics.request(transportHTTP, "-", http.StatusBadRequest)
		writeKPError(w, http.StatusBadRequest, err.Error())
		return
	}
	if s.draining.Load() {
		writeKPError(w, http.StatusServiceUnavailable, "server is shutting down")
		return
	}
	appName, ok := s.appConfig().Resolve(req.AppVersion, req.Extension)
	if !ok {
		s.metrics.request(transportHTTP, "-", http.StatusNotFound)
		writeKPError(w, http.StatusNotFound, "extension instance "+req.Extension+" is not available to application version "+req.AppVersion)
		return
	}
	// A body that trickles in must not hold a handler (and its memory) for ever.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(s.opts.HTTPBodyTimeout))
	payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(s.opts.MaxPayload)))
	if err != nil {
		// Closed unread, the body makes net/http close the connection after
		// the reply instead of waiting for the rest. Close reads what it can
		// first: before the deadline is cleared.
		_ = r.Body.Close()
	}
	// Cleared at once: net/http's background read, which notices a client
	// leaving while the extension answers, would take a passed deadline for
	// one.
	_ = rc.SetReadDeadline(time.Time{})
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			s.metrics.request(transportHTTP, req.Extension, http.StatusRequestEntityTooLarge)
			writeKPError(w, http.StatusRequestEntityTooLarge, "payload over "+strconv.Itoa(s.opts.MaxPayload)+" bytes")
		case isTimeout(err):
			s.metrics.request(transportHTTP, req.Extension, http.StatusRequestTimeout)
			s.log.Info("1/KP over HTTP body not received in time", "remote", r.RemoteAddr, "timeout", s.opts.HTTPBodyTimeout)
			writeKPError(w, http.StatusRequestTimeout, "request body not received within "+s.opts.HTTPBodyTimeout.String())
		default:
			writeKPError(w, http.StatusBadRequest, "cannot read body")
		}
		return
	}
	var endpointID *string
	if req.Token != "" {
		res, errReply := s.identifyCached(r.Context(), appName, req.Token)
		if errReply != nil {
			s.metrics.request(transportHTTP, req.Extension, errReply.status)
			writeKPError(w, errReply.status, errReply.reason)
			return
		}
		endpointID = &res.endpointID
	}
	// HTTP is synchronous: give the request an id so that extensions, which
	// answer only requests with ids, answer it.
	req.RequestID, req.HasRequestID = int32(s.httpRequestIDs.Add(1)&0x7fffffff), true
	done := make(chan reply, 1)
	s.relay(req, endpointID, payload, transportHTTP, r.Context().Done(), func(rep reply) { done <- rep })
	var rep reply
	select {
	case rep = <-done:
	case <-r.Context().Done():
		return // the client left; the pending entry expires on its own
	}
	if rep.status >= 400 {
		writeKPError(w, rep.status, rep.reason)
		return
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.payload)
}

// ScopeSessions is the scope a tenant JWT needs to list sessions.
const ScopeSessions = "endpoint:read"

// restHandler serves the management API: /health, /metrics, /api/v1/cert
// (open: what they show is public) and /api/v1/sessions (authenticated).
func (s *Server) restHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		status, state := http.StatusOK, "ok"
		switch {
		case s.draining.Load():
			status, state = http.StatusServiceUnavailable, "draining"
		case !s.Ready():
			status, state = http.StatusServiceUnavailable, "nats unavailable"
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": state})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /api/v1/cert", func(w http.ResponseWriter, r *http.Request) {
		if s.cert == nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "neither MQTT/TLS nor secure WebSocket is enabled on this replica"})
			return
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(s.cert.PEM)
	})
	// Sessions show who is connected from where: a tenant's caller sees its
	// own tenant's only; `kaactl up`'s admin token (AllTenants) every one.
	mux.Handle("GET /api/v1/sessions", s.auth.Middleware(ScopeSessions, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant, ok := s.auth.Tenant(r.Context())
		if !ok {
			writeKPError(w, http.StatusUnauthorized, "no tenant in the credentials")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		sessions := s.sessionInfos(api.SessionFilter{})
		if tenant != AllTenants {
			sessions = scopeToTenant(sessions, tenant, s.tenantOf)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"replicaId": s.opts.ReplicaID, "sessions": sessions})
	})))
	s.mountPprof(mux)
	return httpx.JSONErrors(mux)
}
