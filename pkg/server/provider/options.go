package provider

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/kaactl/kaactl/pkg/ism"
)

// Options configures a Provider. The yaml tags make it the schema of the
// `provider:` section of a config file; flags and env vars write the same
// fields.
type Options struct {
	// Instance is the 16/ECAP provider instance name (Kaa's CM).
	Instance string `yaml:"instance"`
	// CAPInstance is the 22/CAP provider instance name (Kaa's CCM).
	CAPInstance string `yaml:"cap-instance"`
	// ReplicaID identifies this replica in the originatorReplicaId of the
	// events it publishes; a random one by default.
	ReplicaID string `yaml:"replica-id"`
	// DataDir holds the store, <DataDir>/provider.db (the directory is
	// created with mode 0700, the file with 0600).
	DataDir string `yaml:"data-dir"`
	// RESTAddr is the management REST listen address; "" disables it.
	RESTAddr string `yaml:"rest-addr"`
	// AdminToken is the bearer token every REST call but GET /health must
	// carry. Required when RESTAddr is set.
	AdminToken string `yaml:"admin-token"`

	Logger *slog.Logger `yaml:"-"`
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

// DefaultOptions returns the defaults; DataDir and AdminToken are left to the
// caller.
func DefaultOptions() Options {
	return Options{Instance: DefaultInstance, CAPInstance: DefaultCAPInstance, RESTAddr: DefaultRESTAddr}
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

// validate reports every problem at once.
func (o *Options) validate() error {
	var errs []error
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
	if o.RESTAddr != "" && o.AdminToken == "" {
		errs = append(errs, errors.New("admin token is required when the REST API is enabled"))
	}
	return errors.Join(errs...)
}
