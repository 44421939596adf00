package kpc

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
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
	// TLSCert and TLSKey are the PEM files of the MQTT/TLS server certificate.
	TLSCert string
	TLSKey  string
	// TLSGenerate generates a self-signed pair at TLSCert/TLSKey (default
	// DefaultTLSCert/DefaultTLSKey) when the files do not exist.
	TLSGenerate bool
	// TLSHosts are the SANs of a generated certificate (default localhost, 127.0.0.1, ::1).
	TLSHosts []string
	// HTTPAddr is the 1/KP over HTTP listen address; "" disables it.
	HTTPAddr string
	// RESTAddr is the management listen address (/health, /metrics); "" disables it.
	RESTAddr string
	// ECAPProvider is the service instance answering ep-token-request (Kaa's CM).
	ECAPProvider string
	// RequestTimeout bounds the wait for an extension's answer and for token resolution.
	RequestTimeout time.Duration
	// MaxPayload bounds one request payload (MQTT packet size and HTTP body).
	MaxPayload int
	// Apps is the Kaa application configuration (kaa.applications / kaa.extension-instances).
	Apps kaaconfig.AppConfig

	Logger *slog.Logger
}

// Defaults match Kaa's where Kaa has one.
const (
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

// DefaultOptions returns options that run on a laptop next to a local NATS.
func DefaultOptions() Options {
	return Options{
		NATS:           natsconn.DefaultOptions(),
		Instance:       DefaultInstance,
		MQTTAddr:       DefaultMQTTAddr,
		HTTPAddr:       DefaultHTTPAddr,
		RESTAddr:       DefaultRESTAddr,
		ECAPProvider:   DefaultECAPProvider,
		RequestTimeout: DefaultRequestTimeout,
		MaxPayload:     DefaultMaxPayload,
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
	fs.StringVar(&o.TLSCert, "tls-cert", o.TLSCert, "MQTT/TLS server certificate PEM file (default "+DefaultTLSCert+" with --tls-generate)")
	fs.StringVar(&o.TLSKey, "tls-key", o.TLSKey, "MQTT/TLS server key PEM file (default "+DefaultTLSKey+" with --tls-generate)")
	fs.BoolVar(&o.TLSGenerate, "tls-generate", o.TLSGenerate, "generate a self-signed certificate and key at --tls-cert/--tls-key if they do not exist")
	fs.StringSliceVar(&o.TLSHosts, "tls-hosts", o.TLSHosts, "host names and IPs of a generated certificate (default localhost,127.0.0.1,::1)")
	fs.StringVar(&o.HTTPAddr, "http-addr", o.HTTPAddr, `1/KP over HTTP listen address ("" disables)`)
	fs.StringVar(&o.RESTAddr, "rest-addr", o.RESTAddr, `management listen address: /health, /metrics ("" disables)`)
	fs.StringVar(&o.ECAPProvider, "ecap-provider", o.ECAPProvider, "service instance answering ECAP ep-token-request (Kaa's CM)")
	fs.DurationVar(&o.RequestTimeout, "request-timeout", o.RequestTimeout, "wait for an extension's answer before replying 504")
	fs.IntVar(&o.MaxPayload, "max-payload", o.MaxPayload, "largest request payload in bytes (MQTT and HTTP)")
}

// withDefaults fills the fields whose zero value means "default".
func (o Options) withDefaults() Options {
	if o.ReplicaID == "" {
		o.ReplicaID = ism.NewCorrelationID()
	}
	if o.TLSGenerate && o.MQTTSAddr != "" {
		if o.TLSCert == "" {
			o.TLSCert = DefaultTLSCert
		}
		if o.TLSKey == "" {
			o.TLSKey = DefaultTLSKey
		}
	}
	return o
}

// Validate reports every problem of o at once (New does too); fields whose
// zero value means "default" are fine empty.
func (o Options) Validate() error {
	o = o.withDefaults()
	return o.validate()
}

// validate is Validate, and indexes Apps for the replica (New).
func (o *Options) validate() error {
	errs := []error{o.NATS.Validate()}
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
	if err := o.Apps.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
