package kpc

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/httpx"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
	"github.com/kaactl/kaactl/pkg/server/tlsutil"
)

// Options configures one KPC replica; BindFlags binds the flags of `kaactl
// serve kpc` (and KAA_* env, and a --config file's top-level keys) to its
// fields.
type Options struct {
	// NATS is the server (or cluster) requests are relayed through.
	NATS natsconn.Options
	// Instance is the KPC service instance name (the originator of ELCE events
	// and the subject of extension-initiated ExtensionData).
	Instance string
	// ReplicaID identifies this replica on kaa.v1.replica.<id> subjects.
	ReplicaID string
	// MQTTAddr is the MQTT/TCP listen address; "" disables the transport.
	MQTTAddr string
	// MQTTSAddr is the MQTT/TLS listen address (Kaa's port is 8883); "" disables it.
	MQTTSAddr string
	// WSAddr is the MQTT over WebSocket listen address (path /ws); "" disables it.
	WSAddr string
	// WSSAddr is the MQTT over secure WebSocket listen address (path /ws,
	// with the MQTT/TLS certificate); "" disables it. Its sessions are of
	// the ws transport in tenant policies.
	WSSAddr string
	// TLSCert and TLSKey are the PEM files of the server certificate of
	// MQTT/TLS, secure WebSocket and HTTPS, which GET /api/v1/cert serves.
	TLSCert string
	TLSKey  string
	// ClientCA is a PEM file of the certificate authorities of device
	// certificates: with it MQTT/TLS asks clients for a certificate and
	// verifies chain, validity and key usage (client authentication) of one
	// given, then asks the CAP provider whose credentials it is (22/CAP
	// certificate-request). Clients without a certificate still connect.
	ClientCA string
	// TLSGenerate generates a self-signed pair at TLSCert/TLSKey (default
	// DefaultTLSCert/DefaultTLSKey) when the files do not exist.
	TLSGenerate bool
	// TLSHosts are the SANs of a generated certificate (default localhost, 127.0.0.1, ::1).
	TLSHosts []string
	// Certificate, when set, is the server certificate instead of TLSCert
	// and TLSKey's (`kaactl up` loads the platform's once for every listener).
	Certificate *tlsutil.Certificate
	// HTTPAddr is the 1/KP over HTTP listen address; "" disables it.
	HTTPAddr string
	// HTTPSAddr serves DeviceHandler over TLS: 1/KP over HTTP, MQTT over
	// WebSocket, /api/v1/cert and /health; "" disables it.
	HTTPSAddr string
	// PathPrefix puts the paths of HTTPAddr and HTTPSAddr under a prefix,
	// e.g. /kpc for Kaa's cloud layout (https://<host>/kpc/kp1/...).
	PathPrefix string
	// RESTAddr is the management listen address (/health, /metrics); "" disables it.
	RESTAddr string
	// Pprof serves net/http/pprof under /debug/pprof/ on RESTAddr, with
	// the credentials of /api/v1/sessions.
	Pprof bool
	// ECAPProvider is the service instance answering ep-token-request (Kaa's CM).
	ECAPProvider string
	// CAPProvider is the service instance answering 22/CAP basic-request
	// and certificate-request (Kaa's CCM).
	CAPProvider string
	// AuthTimeout bounds the wait for the CAP provider's verdict on a
	// CONNECT; a client whose verdict does not come in time is refused with
	// "server unavailable".
	AuthTimeout time.Duration
	// Issuers ("tenant=URL") and TenantManagerURL verify the tenant JWTs of
	// GET /api/v1/sessions, which then lists the caller's tenant's sessions.
	Issuers          []string
	TenantManagerURL string
	// Auth, when set, guards GET /api/v1/sessions instead (`kaactl up`: its
	// admin token, as tenant AllTenants).
	Auth auth.Authenticator
	// RequestTimeout bounds the wait for an extension's answer and for token resolution.
	RequestTimeout time.Duration
	// MaxPayload bounds one request payload (MQTT packet size and HTTP body).
	MaxPayload int
	// TokenCacheSize bounds the endpoint tokens 1/KP over HTTP remembers
	// (0 disables the cache); TokenCacheTTL is how long one is trusted
	// without asking the ECAP provider again. Revocation events drop
	// entries at once.
	TokenCacheSize int
	TokenCacheTTL  time.Duration
	// Apps is the Kaa application configuration (kaa.applications / kaa.extension-instances).
	Apps kaaconfig.AppConfig

	Logger *slog.Logger

	DeviceLimits
}

// DeviceLimits bound what one device connection can hold or cost: every byte
// from a device is hostile, so each resource a client can claim has a limit.
type DeviceLimits struct {
	// MaxConnections bounds open MQTT connections (TCP, TLS and WebSocket
	// together, counted from accept, before CONNECT too); connections over
	// it are closed at once.
	MaxConnections int
	// ConnectTimeout is how long a connection may take from accept to a
	// complete CONNECT, TLS handshake and WebSocket upgrade included.
	ConnectTimeout time.Duration
	// TLSHandshakeTimeout bounds the MQTT/TLS handshake.
	TLSHandshakeTimeout time.Duration
	// MinKeepalive and MaxKeepalive bound the keepalive a client asks for
	// (whole seconds); a keepalive of 0 gets MaxKeepalive. MQTT v5 clients
	// are told the result in CONNACK; a connection silent for 1.5 times it
	// is closed.
	MinKeepalive time.Duration
	MaxKeepalive time.Duration
	// MaxPacketSize bounds one MQTT packet; 0 means MaxPayload plus 64 KiB
	// for the topic and headers.
	MaxPacketSize int
	// WriteTimeout is how long a write to a device may make no progress, and
	// how long a full window of unacknowledged replies may wait for an
	// acknowledgement, before the connection is closed.
	WriteTimeout time.Duration
	// MaxInFlight bounds a session's requests waiting for an extension (more
	// are answered 429) and its QoS 1 replies waiting for the client's
	// acknowledgement (MQTT v5 clients may ask for fewer).
	MaxInFlight int
	// MaxQueuedBytes bounds the reply bytes one session holds: queued, being
	// written or unacknowledged. Replies over it are dropped and counted.
	MaxQueuedBytes int
	// HTTPBodyTimeout bounds reading one 1/KP over HTTP request body.
	HTTPBodyTimeout time.Duration

	// readIdle is how long an MQTT/TCP session may send nothing before it
	// waits for its next packet without a goroutine; 0: sessionReadIdle.
	// Tests shorten it.
	readIdle time.Duration
}

// Defaults match Kaa's where Kaa has one.
const (
	DefaultInstance       = "kpc"
	DefaultMQTTAddr       = ":1883"
	DefaultHTTPAddr       = ":8080"
	DefaultRESTAddr       = ":8008"
	DefaultECAPProvider   = "cm"
	DefaultCAPProvider    = "ccm"
	DefaultAuthTimeout    = 5 * time.Second
	DefaultRequestTimeout = 5 * time.Second
	DefaultMaxPayload     = 1 << 20
	DefaultTLSCert        = "kpc-tls.crt"
	DefaultTLSKey         = "kpc-tls.key"
)

// Device limit defaults: generous for devices on slow links, small enough
// that one client cannot hold much.
const (
	DefaultMaxConnections      = 100_000
	DefaultConnectTimeout      = 10 * time.Second
	DefaultTLSHandshakeTimeout = 5 * time.Second
	DefaultMinKeepalive        = 5 * time.Second
	DefaultMaxKeepalive        = 20 * time.Minute
	DefaultWriteTimeout        = 10 * time.Second
	DefaultMaxInFlight         = 128
	DefaultMaxQueuedBytes      = 4 << 20
	DefaultHTTPBodyTimeout     = 30 * time.Second
)

// DefaultDeviceLimits returns the device limit defaults.
func DefaultDeviceLimits() DeviceLimits {
	return DeviceLimits{
		MaxConnections:      DefaultMaxConnections,
		ConnectTimeout:      DefaultConnectTimeout,
		TLSHandshakeTimeout: DefaultTLSHandshakeTimeout,
		MinKeepalive:        DefaultMinKeepalive,
		MaxKeepalive:        DefaultMaxKeepalive,
		WriteTimeout:        DefaultWriteTimeout,
		MaxInFlight:         DefaultMaxInFlight,
		MaxQueuedBytes:      DefaultMaxQueuedBytes,
		HTTPBodyTimeout:     DefaultHTTPBodyTimeout,
	}
}

// maxMQTTPacket is the largest packet MQTT can frame (a 4-byte remaining
// length plus the fixed header).
const maxMQTTPacket = 268_435_455 + 5

// maxPacketSize is MaxPacketSize, or what MaxPayload needs when it is 0.
func (o *Options) maxPacketSize() int {
	if o.MaxPacketSize > 0 {
		return o.MaxPacketSize
	}
	return min(o.MaxPayload+64<<10, maxMQTTPacket) // payload plus topic and headers
}

// validate reports every problem with the limits.
func (l *DeviceLimits) validate() []error {
	var errs []error
	positive := []struct {
		name string
		d    time.Duration
	}{
		{"connect-timeout", l.ConnectTimeout}, {"tls-handshake-timeout", l.TLSHandshakeTimeout},
		{"write-timeout", l.WriteTimeout}, {"http-body-timeout", l.HTTPBodyTimeout},
	}
	for _, p := range positive {
		if p.d <= 0 {
			errs = append(errs, fmt.Errorf("%s %v must be positive", p.name, p.d))
		}
	}
	if l.MaxConnections <= 0 {
		errs = append(errs, fmt.Errorf("max connections %d must be positive", l.MaxConnections))
	}
	for _, k := range []struct {
		name string
		d    time.Duration
	}{{"min-keepalive", l.MinKeepalive}, {"max-keepalive", l.MaxKeepalive}} {
		if k.d < time.Second || k.d > math.MaxUint16*time.Second || k.d%time.Second != 0 {
			errs = append(errs, fmt.Errorf("%s %v must be whole seconds in [1s, 65535s]", k.name, k.d))
		}
	}
	if l.MinKeepalive > l.MaxKeepalive {
		errs = append(errs, fmt.Errorf("min-keepalive %v is above max-keepalive %v", l.MinKeepalive, l.MaxKeepalive))
	}
	if l.MaxPacketSize != 0 && (l.MaxPacketSize < 1024 || l.MaxPacketSize > maxMQTTPacket) {
		errs = append(errs, fmt.Errorf("max packet size %d must be 0 (derived from max payload) or in [1024, %d]", l.MaxPacketSize, maxMQTTPacket))
	}
	if l.MaxInFlight < 1 || l.MaxInFlight > math.MaxUint16 {
		errs = append(errs, fmt.Errorf("max in-flight %d must be in [1, 65535]", l.MaxInFlight))
	}
	if l.MaxQueuedBytes <= 0 {
		errs = append(errs, fmt.Errorf("max queued bytes %d must be positive", l.MaxQueuedBytes))
	}
	return errs
}

// DefaultOptions returns options that run on a laptop next to a local NATS.
func DefaultOptions() Options {
	return Options{
		NATS:           natsconn.DefaultOptions(),
		Instance:       DefaultInstance,
		MQTTAddr:       DefaultMQTTAddr,
		HTTPAddr:       DefaultHTTPAddr,
		RESTAddr:       DefaultRESTAddr,
		ECAPProvider:   DefaultECAPProvider,
		CAPProvider:    DefaultCAPProvider,
		AuthTimeout:    DefaultAuthTimeout,
		RequestTimeout: DefaultRequestTimeout,
		MaxPayload:     DefaultMaxPayload,
		TokenCacheSize: DefaultTokenCacheSize,
		TokenCacheTTL:  DefaultTokenCacheTTL,
		DeviceLimits:   DefaultDeviceLimits(),
	}
}

// BindFlags binds the flags of `kaactl serve kpc`; the fields' current
// values are the defaults.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	o.NATS.BindFlags(fs)
	fs.StringVar(&o.Instance, "instance", o.Instance, "KPC service instance name")
	fs.StringVar(&o.ReplicaID, "replica-id", o.ReplicaID, "replica ID on kaa.v1.replica.<id> subjects (default random)")
	fs.StringVar(&o.MQTTAddr, "mqtt-addr", o.MQTTAddr, `MQTT/TCP listen address ("" disables)`)
	fs.StringVar(&o.MQTTSAddr, "mqtts-addr", o.MQTTSAddr, `MQTT/TLS listen address, e.g. :8883 ("" disables; needs --tls-cert/--tls-key or --tls-generate)`)
	fs.StringVar(&o.WSAddr, "ws-addr", o.WSAddr, `MQTT over WebSocket listen address, served on path /ws ("" disables)`)
	fs.StringVar(&o.WSSAddr, "wss-addr", o.WSSAddr, `MQTT over secure WebSocket listen address, path /ws, with the MQTT/TLS certificate ("" disables)`)
	fs.StringVar(&o.TLSCert, "tls-cert", o.TLSCert, "server certificate PEM file of MQTT/TLS, secure WebSocket and HTTPS (default "+DefaultTLSCert+" with --tls-generate)")
	fs.StringVar(&o.TLSKey, "tls-key", o.TLSKey, "server key PEM file of MQTT/TLS, secure WebSocket and HTTPS (default "+DefaultTLSKey+" with --tls-generate)")
	fs.StringVar(&o.ClientCA, "client-ca", o.ClientCA, "PEM file of the CAs of device certificates: MQTT/TLS then asks for one, verifies it and checks it with the CAP provider")
	fs.BoolVar(&o.TLSGenerate, "tls-generate", o.TLSGenerate, "generate a self-signed certificate and key at --tls-cert/--tls-key if they do not exist")
	fs.StringSliceVar(&o.TLSHosts, "tls-hosts", o.TLSHosts, "host names and IPs of a generated certificate (default localhost,127.0.0.1,::1)")
	fs.StringVar(&o.HTTPAddr, "http-addr", o.HTTPAddr, `1/KP over HTTP listen address ("" disables)`)
	fs.StringVar(&o.HTTPSAddr, "https-addr", o.HTTPSAddr, `HTTPS listen address, e.g. :8443: 1/KP over HTTP, MQTT over WebSocket on /ws, /api/v1/cert, /health ("" disables; needs --tls-cert/--tls-key or --tls-generate)`)
	fs.StringVar(&o.PathPrefix, "path-prefix", o.PathPrefix, "serve the paths of --http-addr and --https-addr under this prefix, e.g. /kpc as in Kaa's cloud (https://<host>/kpc/kp1/...)")
	fs.StringVar(&o.RESTAddr, "rest-addr", o.RESTAddr, `management listen address: /health, /metrics, /api/v1/cert, /api/v1/sessions ("" disables)`)
	fs.BoolVar(&o.Pprof, "pprof", o.Pprof, "serve Go profiles under /debug/pprof/ on --rest-addr (with the credentials of /api/v1/sessions)")
	fs.StringVar(&o.ECAPProvider, "ecap-provider", o.ECAPProvider, "service instance answering ECAP ep-token-request (Kaa's CM)")
	fs.StringVar(&o.CAPProvider, "cap-provider", o.CAPProvider, "service instance answering 22/CAP basic-request and certificate-request (Kaa's CCM)")
	fs.DurationVar(&o.AuthTimeout, "auth-timeout", o.AuthTimeout, `wait for the CAP provider's verdict on an MQTT CONNECT before refusing it with "server unavailable"`)
	fs.StringVar(&o.TenantManagerURL, "tenant-manager-url", o.TenantManagerURL, "Tenant Manager base URL resolving the issuers of tenant JWTs (GET /api/v1/sessions)")
	fs.StringSliceVar(&o.Issuers, "issuer", o.Issuers, "static tenant issuer of JWTs for GET /api/v1/sessions, tenant=URL (repeatable)")
	fs.DurationVar(&o.RequestTimeout, "request-timeout", o.RequestTimeout, "wait for an extension's answer before replying 504")
	fs.IntVar(&o.MaxPayload, "max-payload", o.MaxPayload, "largest request payload in bytes (MQTT and HTTP)")
	fs.IntVar(&o.TokenCacheSize, "token-cache-size", o.TokenCacheSize, "endpoint tokens 1/KP over HTTP remembers, least recently used dropped first (0 disables: every request asks the ECAP provider)")
	fs.DurationVar(&o.TokenCacheTTL, "token-cache-ttl", o.TokenCacheTTL, "how long 1/KP over HTTP trusts a resolved endpoint token before asking the ECAP provider again (revocations drop it at once)")
	o.DeviceLimits.BindFlags(fs)
}

// BindFlags binds the device limit flags (part of `kaactl serve kpc` and `kaactl up`).
func (l *DeviceLimits) BindFlags(fs *pflag.FlagSet) {
	fs.IntVar(&l.MaxConnections, "max-connections", l.MaxConnections, "most open MQTT connections (TCP, TLS and WebSocket together, before CONNECT too); more are closed at accept")
	fs.DurationVar(&l.ConnectTimeout, "connect-timeout", l.ConnectTimeout, "time from accept to a complete MQTT CONNECT, TLS handshake and WebSocket upgrade included")
	fs.DurationVar(&l.TLSHandshakeTimeout, "tls-handshake-timeout", l.TLSHandshakeTimeout, "time an MQTT/TLS handshake may take")
	fs.DurationVar(&l.MinKeepalive, "min-keepalive", l.MinKeepalive, "smallest MQTT keepalive; smaller requests are raised")
	fs.DurationVar(&l.MaxKeepalive, "max-keepalive", l.MaxKeepalive, "largest MQTT keepalive; larger requests and 0 get this (MQTT v5 clients are told in CONNACK)")
	fs.IntVar(&l.MaxPacketSize, "max-packet-size", l.MaxPacketSize, "largest MQTT packet in bytes (0: max-payload plus 64 KiB)")
	fs.DurationVar(&l.WriteTimeout, "write-timeout", l.WriteTimeout, "time a write to a device may make no progress, or a full window of replies may go unacknowledged, before the connection is closed")
	fs.IntVar(&l.MaxInFlight, "max-in-flight", l.MaxInFlight, "requests per MQTT session waiting for extensions (more get 429), and QoS 1 replies waiting for acknowledgement")
	fs.IntVar(&l.MaxQueuedBytes, "max-queued-bytes", l.MaxQueuedBytes, "reply bytes one MQTT session may hold (queued, being written or unacknowledged); more are dropped and counted")
	fs.DurationVar(&l.HTTPBodyTimeout, "http-body-timeout", l.HTTPBodyTimeout, "time to read a 1/KP over HTTP request body; 408 after")
}

// withDefaults fills the fields whose zero value means "default".
// revocationMemory is how long the session registry remembers a
// revocation for the admissions in flight: well past the longest a
// provider may take to answer.
func revocationMemory(o Options) time.Duration {
	return max(time.Minute, 2*o.AuthTimeout, 2*o.RequestTimeout)
}

func (o Options) withDefaults() Options {
	if o.ReplicaID == "" {
		o.ReplicaID = ism.NewCorrelationID()
	}
	if o.TLSGenerate && o.tls() {
		if o.TLSCert == "" {
			o.TLSCert = DefaultTLSCert
		}
		if o.TLSKey == "" {
			o.TLSKey = DefaultTLSKey
		}
	}
	return o
}

// authenticator is Auth, or the JWT verifier of the issuers, or Deny when
// there are none.
func (o *Options) authenticator() (auth.Authenticator, error) {
	if o.Auth != nil {
		return o.Auth, nil
	}
	return auth.ForIssuers(o.Issuers, o.TenantManagerURL, o.Logger)
}

// tls reports whether a listener needs the server certificate.
func (o *Options) tls() bool { return o.MQTTSAddr != "" || o.WSSAddr != "" || o.HTTPSAddr != "" }

// mqtt reports whether any MQTT transport is on.
func (o *Options) mqtt() bool { return o.MQTTAddr != "" || o.WSAddr != "" || o.tls() }

// Validate reports every problem of o at once (New does too); fields whose
// zero value means "default" are fine empty.
func (o Options) Validate() error {
	o = o.withDefaults()
	_, err := o.authenticator()
	return errors.Join(o.validate(), err)
}

// validate is Validate, and indexes Apps for the replica (New).
func (o *Options) validate() error {
	errs := []error{o.NATS.Validate()}
	for name, v := range map[string]string{"instance": o.Instance, "replica-id": o.ReplicaID, "ecap-provider": o.ECAPProvider, "cap-provider": o.CAPProvider} {
		if !ism.ValidToken(v) {
			errs = append(errs, fmt.Errorf("%s %q is not a valid NATS subject token", name, v))
		}
	}
	if o.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("request timeout %v must be positive", o.RequestTimeout))
	}
	if o.AuthTimeout <= 0 {
		errs = append(errs, fmt.Errorf("auth timeout %v must be positive", o.AuthTimeout))
	}
	if o.MaxPayload <= 0 || o.MaxPayload > 256<<20 {
		errs = append(errs, fmt.Errorf("max payload %d must be in (0, 256 MiB]", o.MaxPayload))
	}
	if !o.mqtt() && o.HTTPAddr == "" && o.HTTPSAddr == "" {
		errs = append(errs, errors.New("no device transport enabled: set mqtt-addr, mqtts-addr, ws-addr, wss-addr, http-addr or https-addr"))
	}
	for _, l := range []struct{ name, addr string }{{"mqtts-addr", o.MQTTSAddr}, {"wss-addr", o.WSSAddr}, {"https-addr", o.HTTPSAddr}} {
		if l.addr != "" && o.Certificate == nil && !o.TLSGenerate && (o.TLSCert == "" || o.TLSKey == "") {
			errs = append(errs, fmt.Errorf("%s needs tls-cert and tls-key (or tls-generate for a self-signed pair)", l.name))
		}
	}
	if !o.tls() && (o.TLSCert != "" || o.TLSKey != "" || o.TLSGenerate) {
		errs = append(errs, errors.New("tls-cert, tls-key and tls-generate need mqtts-addr, wss-addr or https-addr"))
	}
	if err := httpx.ValidPrefix(o.PathPrefix); err != nil {
		errs = append(errs, fmt.Errorf("path-prefix: %w", err))
	}
	if o.TokenCacheSize < 0 {
		errs = append(errs, fmt.Errorf("token cache size %d must not be negative", o.TokenCacheSize))
	}
	if o.TokenCacheSize > 0 && o.TokenCacheTTL <= 0 {
		errs = append(errs, fmt.Errorf("token cache ttl %v must be positive (or token-cache-size 0)", o.TokenCacheTTL))
	}
	if o.Pprof && o.RESTAddr == "" {
		errs = append(errs, errors.New("pprof needs rest-addr (profiles are served on the management address)"))
	}
	if o.ClientCA != "" && o.MQTTSAddr == "" {
		errs = append(errs, errors.New("client-ca needs mqtts-addr (X.509 client authentication is on MQTT/TLS)"))
	}
	errs = append(errs, o.DeviceLimits.validate()...)
	if err := o.Apps.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
