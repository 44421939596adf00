package kpc

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// Options configures one KPC replica. The yaml tags make it the schema of the
// `kpc:` section of a config file; flags and KAA_* env vars write the same fields.
type Options struct {
	// NATSURL is the NATS server (or cluster seed) to relay requests through.
	NATSURL string `yaml:"nats"`
	// Instance is the KPC service instance name (the originator of ELCE events
	// and the subject of extension-initiated ExtensionData).
	Instance string `yaml:"instance"`
	// ReplicaID identifies this replica on kaa.v1.replica.<id> subjects.
	ReplicaID string `yaml:"replica-id"`
	// MQTTAddr is the MQTT/TCP listen address; "" disables the transport.
	MQTTAddr string `yaml:"mqtt-addr"`
	// MQTTSAddr is the MQTT/TLS listen address (Kaa's port is 8883); "" disables it.
	MQTTSAddr string `yaml:"mqtts-addr"`
	// WSAddr is the MQTT over WebSocket listen address (path /ws); "" disables it.
	WSAddr string `yaml:"ws-addr"`
	// TLSCert and TLSKey are the PEM files of the MQTT/TLS server certificate.
	TLSCert string `yaml:"tls-cert"`
	TLSKey  string `yaml:"tls-key"`
	// TLSGenerate generates a self-signed pair at TLSCert/TLSKey (default
	// DefaultTLSCert/DefaultTLSKey) when the files do not exist.
	TLSGenerate bool `yaml:"tls-generate"`
	// TLSHosts are the SANs of a generated certificate (default localhost, 127.0.0.1, ::1).
	TLSHosts []string `yaml:"tls-hosts"`
	// HTTPAddr is the 1/KP over HTTP listen address; "" disables it.
	HTTPAddr string `yaml:"http-addr"`
	// RESTAddr is the management listen address (/health, /metrics); "" disables it.
	RESTAddr string `yaml:"rest-addr"`
	// ECAPProvider is the service instance answering ep-token-request (Kaa's CM).
	ECAPProvider string `yaml:"ecap-provider"`
	// RequestTimeout bounds the wait for an extension's answer and for token resolution.
	RequestTimeout time.Duration `yaml:"request-timeout"`
	// MaxPayload bounds one request payload (MQTT packet size and HTTP body).
	MaxPayload int `yaml:"max-payload"`
	// Apps is the Kaa application configuration (kaa.applications / kaa.extension-instances).
	Apps kaaconfig.AppConfig `yaml:"-"`

	Logger *slog.Logger `yaml:"-"`

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
}

// Defaults match Kaa's where Kaa has one.
const (
	DefaultNATSURL        = "nats://127.0.0.1:4222"
	DefaultInstance       = "kpc"
	DefaultMQTTAddr       = ":1883"
	DefaultHTTPAddr       = ":8080"
	DefaultRESTAddr       = ":8008"
	DefaultECAPProvider   = "cm"
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
		NATSURL:        DefaultNATSURL,
		Instance:       DefaultInstance,
		MQTTAddr:       DefaultMQTTAddr,
		HTTPAddr:       DefaultHTTPAddr,
		RESTAddr:       DefaultRESTAddr,
		ECAPProvider:   DefaultECAPProvider,
		RequestTimeout: DefaultRequestTimeout,
		MaxPayload:     DefaultMaxPayload,
		DeviceLimits:   DefaultDeviceLimits(),
	}
}

// validate reports every problem at once.
func (o *Options) validate() error {
	var errs []error
	if o.NATSURL == "" {
		errs = append(errs, errors.New("nats url is empty"))
	}
	for name, v := range map[string]string{"instance": o.Instance, "replica-id": o.ReplicaID, "ecap-provider": o.ECAPProvider} {
		if !ism.ValidToken(v) {
			errs = append(errs, fmt.Errorf("%s %q is not a valid NATS subject token", name, v))
		}
	}
	if o.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("request timeout %v must be positive", o.RequestTimeout))
	}
	if o.MaxPayload <= 0 || o.MaxPayload > 256<<20 {
		errs = append(errs, fmt.Errorf("max payload %d must be in (0, 256 MiB]", o.MaxPayload))
	}
	if o.MQTTAddr == "" && o.MQTTSAddr == "" && o.WSAddr == "" && o.HTTPAddr == "" {
		errs = append(errs, errors.New("no device transport enabled: set mqtt-addr, mqtts-addr, ws-addr or http-addr"))
	}
	if o.MQTTSAddr != "" && !o.TLSGenerate && (o.TLSCert == "" || o.TLSKey == "") {
		errs = append(errs, errors.New("mqtts-addr needs tls-cert and tls-key (or tls-generate for a self-signed pair)"))
	}
	if o.MQTTSAddr == "" && (o.TLSCert != "" || o.TLSKey != "" || o.TLSGenerate) {
		errs = append(errs, errors.New("tls-cert, tls-key and tls-generate need mqtts-addr"))
	}
	errs = append(errs, o.DeviceLimits.validate()...)
	if err := o.Apps.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
