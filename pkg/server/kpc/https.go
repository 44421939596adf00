package kpc

import (
	"fmt"
	"net/http"

	"github.com/kaactl/kaactl/pkg/server/httpx"
	"github.com/kaactl/kaactl/pkg/server/tlsutil"
)

// The handlers below are built once, in New; the same values serve KPC's
// own ports and wherever a caller mounts them (`kaactl up` puts
// DeviceHandler at /kpc of its HTTPS origin). They answer once Start has
// returned.

// KPHandler serves 1/KP over HTTP: POST /kp1/<appVersion>/<ext>/<token>/<resource>.
func (s *Server) KPHandler() http.Handler { return s.kp }

// RESTHandler serves the management API: /health, /metrics, /api/v1/cert,
// /api/v1/sessions.
func (s *Server) RESTHandler() http.Handler { return s.rest }

// WSHandler serves MQTT over WebSocket on whatever path it is mounted at,
// for a port that serves other HTTP too: each upgraded connection takes its
// slot of the MQTT connection budget and has the deadlines of every MQTT
// connection. 404 when the replica runs no MQTT, 503 once it drains.
func (s *Server) WSHandler() http.Handler { return s.wsMount }

// DeviceHandler is what devices reach on HTTPS: 1/KP over HTTP (/kp1/...),
// MQTT over WebSocket (WSPath), the certificate to trust (/api/v1/cert) and
// /health. Metrics and sessions stay on the management port. Other paths
// get a JSON 404.
func (s *Server) DeviceHandler() http.Handler { return s.device }

func (s *Server) deviceHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/kp1/", s.kp)
	mux.Handle("GET "+WSPath, s.wsMount)
	mux.Handle("GET /api/v1/cert", s.rest)
	mux.Handle("GET /health", s.rest)
	return httpx.JSONErrors(mux)
}

// HTTPSAddr is the bound HTTPS address ("" when disabled).
func (s *Server) HTTPSAddr() string { return s.httpsSrv.Addr() }

// loadCert loads the server certificate when a listener needs it:
// Options.Certificate, or TLSCert and TLSKey (generated with TLSGenerate).
func (s *Server) loadCert() error {
	if s.cert = s.opts.Certificate; s.cert != nil || !s.opts.tls() {
		return nil
	}
	cert, err := tlsutil.LoadCertificate(s.opts.TLSCert, s.opts.TLSKey, s.opts.TLSGenerate, s.opts.TLSHosts)
	if err != nil {
		return fmt.Errorf("kpc tls: %w", err)
	}
	s.cert = cert
	return nil
}
