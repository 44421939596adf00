package platform

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/internal/flagset"
	"github.com/kaactl/kaactl/pkg/server/bcx"
	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

// Options configures a Platform. The services keep their own options; the
// platform sets in them what it owns: their NATS connection, the provider's
// data dir and admin token, BCX's token key, blob backend and management
// authenticator, and KPC's TLS files.
type Options struct {
	// DataDir holds the provider's store, the blobs, the BCX token key, the
	// MQTT/TLS certificate and the admin token.
	DataDir string
	// NATSAddr is the embedded NATS server's listen address; port 0 picks one.
	NATSAddr string
	// AutoRegister makes the demo application accept unknown endpoint tokens
	// as new endpoints. Every start sets it, on or off, whatever an earlier
	// start in DataDir set.
	AutoRegister bool
	// Echo runs the demo extension "echo"; without it a test can attach an
	// extension of its own under that name.
	Echo bool
	// HTTPSAddr serves Kaa's cloud layout on one HTTPS origin with the
	// platform certificate (https.go); "" disables it.
	HTTPSAddr string
	// KPC configures the device edge. MQTT/TLS and the HTTPS origin share
	// the platform certificate: self-signed in DataDir unless TLSCert or
	// TLSKey name files.
	KPC kpc.Options
	// BCX configures the blob extension. Blobs go to DataDir unless
	// BCX.Blobs.S3 names an endpoint or a bucket (default bucket kaa-bcx);
	// TokenTTL 0 is bcx.DefaultTokenTTL; its application config is KPC.Apps.
	BCX bcx.Options
	// Provider configures the credential provider; it answers as
	// KPC.ECAPProvider.
	Provider provider.Options
	// Logger is the logger of every service that has none of its own
	// (default: discarded).
	Logger *slog.Logger
}

// DefaultDataDir is $XDG_DATA_HOME/kaactl, else ~/.local/share/kaactl.
func DefaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "kaactl")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "kaactl")
	}
	return "kaactl-data"
}

// DefaultNATSAddr is where other tools and extensions find the embedded NATS.
const DefaultNATSAddr = "127.0.0.1:4222"

// DefaultOptions are the defaults of `kaactl up`: every service on its
// usual port, MQTT/TLS on :8883 and WebSocket on :8081 too, blobs on disk.
func DefaultOptions() Options {
	o := Options{
		DataDir:   DefaultDataDir(),
		NATSAddr:  DefaultNATSAddr,
		Echo:      true,
		HTTPSAddr: DefaultHTTPSAddr,
		KPC:       kpc.DefaultOptions(),
		BCX:       bcx.DefaultOptions(),
		Provider:  provider.DefaultOptions(),
	}
	o.KPC.MQTTSAddr, o.KPC.WSAddr = ":8883", ":8081"
	o.BCX.Blobs.S3.Bucket = "" // a bucket switches the blobs to S3
	return o
}

// BindFlags binds the flags of `kaactl up`: the platform's own, and those of
// the services it exposes, with the services' definitions under up's names
// and help texts; the fields' current values are the defaults.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "where endpoints, blobs, keys and the admin token live")
	fs.StringVar(&o.NATSAddr, "nats-addr", o.NATSAddr, "embedded NATS listen address")
	fs.StringVar(&o.HTTPSAddr, "https-addr", o.HTTPSAddr, `HTTPS listen address of Kaa's cloud layout: /kpc/kp1/..., /kpc/ws, /kpc/api/v1/cert, /kpc/health, /bcx/api/v1/..., /bcx/health ("" disables)`)
	k := flagset.Scratch()
	o.KPC.BindFlags(k)
	flagset.Copy(fs, k,
		flagset.Reuse{Name: "mqtt-addr", Usage: "MQTT/TCP listen address"},
		flagset.Reuse{Name: "mqtts-addr", Usage: `MQTT/TLS listen address ("" disables); self-signed certificate in the data dir`},
		flagset.Reuse{Name: "ws-addr", Usage: `MQTT over WebSocket listen address, path /ws ("" disables)`},
		flagset.Reuse{Name: "wss-addr", Usage: `MQTT over secure WebSocket listen address, path /ws, with the MQTT/TLS certificate ("" disables)`},
		flagset.Reuse{Name: "client-ca", Usage: "PEM file of the CAs of device certificates: MQTT/TLS then asks for one, verifies it and checks it with the provider (kaactl credentials cert add)"},
		flagset.Reuse{Name: "http-addr", Usage: "1/KP over HTTP listen address"},
		flagset.Reuse{Name: "rest-addr", Usage: "KPC management listen address (/health, /metrics, /api/v1/cert; /api/v1/sessions with the admin token)"},
		flagset.Reuse{Name: "request-timeout"},
		flagset.Reuse{Name: "token-cache-size"},
		flagset.Reuse{Name: "token-cache-ttl"},
		flagset.Reuse{Name: "pprof", Usage: "serve Go profiles of KPC under /debug/pprof/ on --rest-addr, with the admin token"},
		flagset.Reuse{Name: "tls-hosts", Usage: "host names and IPs of the platform certificate made on first start (default localhost,127.0.0.1,::1; delete <data-dir>/kpc-tls.* to make a new one)"},
	)
	b := flagset.Scratch()
	o.BCX.BindFlags(b)
	flagset.Copy(fs, b,
		flagset.Reuse{Name: "rest-addr", As: "bcx-addr", Usage: "BCX listen address: uploads and blob management"},
		flagset.Reuse{Name: "token-ttl", As: "bcx-token-ttl", Usage: "BCX upload token lifetime (per application: kaa.applications.<app>.bcx.tokens.expiration)"},
		flagset.Reuse{Name: "s3-endpoint", Usage: "store blobs in S3 at this endpoint instead of the data dir (credentials from the AWS chain)"},
		flagset.Reuse{Name: "s3-bucket", Usage: "store blobs in this S3 bucket instead of the data dir (created if missing)"},
		flagset.Reuse{Name: "s3-region"},
		flagset.Reuse{Name: "s3-prefix", Usage: "key prefix inside the S3 bucket"},
		flagset.Reuse{Name: "s3-path-style"},
	)
	p := flagset.Scratch()
	o.Provider.BindFlags(p)
	flagset.Copy(fs, p, flagset.Reuse{Name: "rest-addr", As: "provider-addr", Usage: "credential provider REST API listen address"})
	fs.BoolVar(&o.AutoRegister, "auto-register", o.AutoRegister, "accept unknown endpoint tokens in the demo application as new endpoints")
}

// validate reports every problem at once: the platform's own and those of
// each service with what the platform will set in it.
func (o *Options) validate() error {
	var errs []error
	if o.DataDir == "" {
		errs = append(errs, errors.New("data dir is empty"))
	}
	if _, _, err := net.SplitHostPort(o.NATSAddr); err != nil {
		errs = append(errs, fmt.Errorf("nats-addr %q: %w", o.NATSAddr, err))
	}
	// The URL and token are stand-ins: the real ones exist once NATS runs
	// and the token file is read, and validation only needs them set.
	s := o.services(natsconn.Options{URL: "nats://" + o.NATSAddr, Token: "nats-token"}, "admin-token", o.standInCert())
	errs = append(errs, s.kpc.Validate(), s.bcx.Validate(), s.provider.Validate())
	if o.Echo {
		errs = append(errs, s.echo.Validate())
	}
	return errors.Join(errs...)
}
