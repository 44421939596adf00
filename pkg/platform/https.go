package platform

import (
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/kaactl/kaactl/pkg/server/httpx"
	"github.com/kaactl/kaactl/pkg/server/tlsutil"
)

// DefaultHTTPSAddr is where `kaactl up` serves Kaa's cloud layout.
const DefaultHTTPSAddr = ":8443"

// The path prefixes of Kaa's cloud ingress: each service's own paths under
// its name (https://cloud.kaaiot.com/kpc/kp1/..., .../bcx/api/v1/...).
const (
	KPCPrefix = "/kpc"
	BCXPrefix = "/bcx"
)

// cloudPaths names what the HTTPS origin serves, for the 404 of any other path.
const cloudPaths = "this origin serves Kaa's cloud layout: /kpc/kp1/..., /kpc/ws, /kpc/api/v1/cert, /kpc/health, /bcx/api/v1/..., /bcx/health"

// cloudLayout is Kaa's cloud ingress on one origin: KPC's device paths
// under /kpc (its DeviceHandler: 1/KP over HTTP, MQTT over WebSocket, the
// certificate, health) and BCX's under /bcx (uploads, the management API,
// health), the handlers that serve the plain ports.
func (p *Platform) cloudLayout() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(KPCPrefix+"/", httpx.StripPrefix(KPCPrefix, p.kpc.DeviceHandler()))
	mux.Handle(BCXPrefix+"/", httpx.StripPrefix(BCXPrefix, p.bcx.Handler()))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, http.StatusNotFound, "no such path "+r.URL.Path+": "+cloudPaths)
	})
	return mux
}

// needsCert reports whether a listener serves TLS: MQTT/TLS or the HTTPS origin.
func (o *Options) needsCert() bool {
	return o.KPC.MQTTSAddr != "" || o.KPC.WSSAddr != "" || o.HTTPSAddr != ""
}

// standInCert stands for the certificate in validation, which loads nothing.
func (o *Options) standInCert() *tlsutil.Certificate {
	if !o.needsCert() {
		return nil
	}
	return &tlsutil.Certificate{}
}

// loadCert loads the platform certificate, which MQTT/TLS and the HTTPS
// origin share and KPC serves at /api/v1/cert: KPC's TLS files when the
// options name them, else a self-signed pair generated once in the data dir
// (devices trust it once). Nil when no listener needs it.
func (p *Platform) loadCert() (*tlsutil.Certificate, error) {
	if !p.opts.needsCert() {
		return nil, nil
	}
	k := p.opts.KPC
	certFile, keyFile, generate := k.TLSCert, k.TLSKey, k.TLSGenerate
	if certFile == "" && keyFile == "" {
		certFile, keyFile, generate = filepath.Join(p.opts.DataDir, tlsCertFile), filepath.Join(p.opts.DataDir, tlsKeyFile), true
	}
	cert, err := tlsutil.LoadCertificate(certFile, keyFile, generate, k.TLSHosts)
	if err != nil {
		return nil, fmt.Errorf("platform certificate: %w", err)
	}
	p.certFile = certFile
	return cert, nil
}

// startHTTPS opens the HTTPS origin, with the timeouts of every service
// listener; the handlers bring their own limits (body sizes, body read
// deadlines, the MQTT connection budget).
func (p *Platform) startHTTPS(cert *tlsutil.Certificate) error {
	if p.opts.HTTPSAddr == "" {
		return nil
	}
	var err error
	p.https, err = httpx.Listen(httpx.Options{Addr: p.opts.HTTPSAddr, Handler: p.cloudLayout(), TLS: cert.ServerConfig(), Logger: p.log.With("listener", "https")})
	if err != nil {
		return fmt.Errorf("https: %w", err)
	}
	p.log.Info("https origin started", "addr", p.https.Addr(), "kpc", KPCPrefix, "bcx", BCXPrefix)
	return nil
}

// HTTPSAddr is the bound address of the HTTPS origin ("" when disabled).
func (p *Platform) HTTPSAddr() string { return p.https.Addr() }

// CertFile is the PEM file of the platform certificate, the one to trust
// for MQTT/TLS and the HTTPS origin ("" when neither runs).
func (p *Platform) CertFile() string { return p.certFile }
