package kpc

import (
	"errors"
	"fmt"
	"log/slog"
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
	if err := o.Apps.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
