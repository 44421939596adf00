package provider

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
)

// Options configures a Provider; BindFlags binds the flags of `kaactl serve
// provider` to its fields.
type Options struct {
	// NATS is where the 16/ECAP and 22/CAP requests come from and the
	// revocation events go.
	NATS natsconn.Options
	// Instance is the 16/ECAP provider instance name (Kaa's CM).
	Instance string
	// CAPInstance is the 22/CAP provider instance name (Kaa's CCM).
	CAPInstance string
	// ReplicaID identifies this replica in the originatorReplicaId of the
	// events it publishes; a random one by default.
	ReplicaID string
	// DataDir holds the store, <DataDir>/provider.db (the directory is
	// created with mode 0700, the file with 0600).
	DataDir string
	// RESTAddr is the management REST listen address; "" disables it.
	RESTAddr string
	// AdminToken is the bearer token every REST call but GET /health must
	// carry. Required when RESTAddr is set, unless AdminTokenFile is.
	AdminToken string
	// AdminTokenFile holds AdminToken (surrounding space trimmed); Start
	// reads it when AdminToken is empty.
	AdminTokenFile string
	// OnAppsChange, if set, is called after an application was created or
	// changed, once the change is stored (kaactl up keeps KPC's application
	// config current with it). It must not call back into the store
	// operations that change applications.
	OnAppsChange func()

	Logger *slog.Logger
}

// Defaults match Kaa's service instance names.
const (
	DefaultInstance    = "cm"
	DefaultCAPInstance = "ccm"
	// DefaultRESTAddr is loopback only: the API manages secrets.
	DefaultRESTAddr = "127.0.0.1:8070"
	// DBFile is the name of the store inside DataDir.
	DBFile = "provider.db"
)

// DefaultDataDir is the data directory of `kaactl serve provider`.
const DefaultDataDir = "provider-data"

// DefaultOptions returns the defaults; the admin token is left to the caller.
func DefaultOptions() Options {
	return Options{NATS: natsconn.DefaultOptions(), Instance: DefaultInstance, CAPInstance: DefaultCAPInstance,
		DataDir: DefaultDataDir, RESTAddr: DefaultRESTAddr}
}

// BindFlags binds the flags of `kaactl serve provider`; the fields' current
// values are the defaults.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	o.NATS.BindFlags(fs)
	fs.StringVar(&o.Instance, "instance", o.Instance, "16/ECAP provider instance name (KPC's --ecap-provider)")
	fs.StringVar(&o.CAPInstance, "cap-instance", o.CAPInstance, "22/CAP provider instance name")
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "directory of the provider database")
	fs.StringVar(&o.RESTAddr, "rest-addr", o.RESTAddr, `REST API listen address ("" disables)`)
	fs.StringVar(&o.AdminTokenFile, "admin-token-file", o.AdminTokenFile, "file holding the REST API's bearer token (required with --rest-addr)")
}

// withDefaults fills the fields whose zero value means "default".
func (o Options) withDefaults() Options {
	if o.Instance == "" {
		o.Instance = DefaultInstance
	}
	if o.CAPInstance == "" {
		o.CAPInstance = DefaultCAPInstance
	}
	if o.ReplicaID == "" {
		o.ReplicaID = ism.NewCorrelationID()
	}
	return o
}

// Validate reports every problem of o at once (New does too); fields whose
// zero value means "default" are fine empty.
func (o Options) Validate() error {
	o = o.withDefaults()
	errs := []error{o.NATS.Validate()}
	for _, f := range []struct{ name, v string }{
		{"instance", o.Instance}, {"cap-instance", o.CAPInstance}, {"replica-id", o.ReplicaID},
	} {
		if !ism.ValidToken(f.v) {
			errs = append(errs, fmt.Errorf("%s %q is not a valid NATS subject token", f.name, f.v))
		}
	}
	if o.DataDir == "" {
		errs = append(errs, errors.New("data dir is empty"))
	}
	if o.RESTAddr != "" && o.AdminToken == "" && o.AdminTokenFile == "" {
		errs = append(errs, errors.New("admin token is required when the REST API is enabled (admin-token-file with rest-addr)"))
	}
	return errors.Join(errs...)
}
