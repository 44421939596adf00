package kaaconfig

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Tenant is one tenant's configuration, Kaa's kaa.tenants.<tenantId>:
//
//	kaa:
//	  tenants:
//	    acme:
//	      config:
//	        transports:
//	          mqtt:
//	            tcp: {basic-auth: {required: true}}
//	            tls: {x509-auth: {required: true}}
type Tenant struct {
	Config TenantConfig `yaml:"config" json:"config"`
}

// TenantConfig is kaa.tenants.<tenantId>.config: how the tenant's devices
// must authenticate, per MQTT transport. It is also the body of the
// provider's tenant configuration API and of `kaactl tenants policy`.
type TenantConfig struct {
	Transports Transports `yaml:"transports" json:"transports"`
}

// Transports holds the tenant's per-transport settings.
type Transports struct {
	MQTT MQTTTransports `yaml:"mqtt" json:"mqtt"`
}

// MQTTTransports are Kaa's three MQTT transports. A transport is the KPC
// listener a session came through: tcp (--mqtt-addr), tls (--mqtts-addr)
// and ws (--ws-addr, and --wss-addr, which is the WebSocket transport behind
// TLS as Kaa has it behind a TLS-terminating ingress).
type MQTTTransports struct {
	TCP TransportAuth `yaml:"tcp" json:"tcp,omitzero"`
	TLS TransportAuth `yaml:"tls" json:"tls,omitzero"`
	WS  TransportAuth `yaml:"ws" json:"ws,omitzero"`
}

// TransportAuth says which client authentication methods a transport
// requires of the tenant's sessions.
type TransportAuth struct {
	BasicAuth Requirement `yaml:"basic-auth" json:"basic-auth,omitzero"`
	X509Auth  Requirement `yaml:"x509-auth" json:"x509-auth,omitzero"`
}

// Requirement is Kaa's {required: bool}.
type Requirement struct {
	Required bool `yaml:"required" json:"required"`
}

// MQTT transport names (the keys of MQTTTransports).
const (
	TransportTCP = "tcp"
	TransportTLS = "tls"
	TransportWS  = "ws"
)

// Client authentication methods, as sessions authenticate and as
// TransportAuth.Allows takes them; AuthNone is an anonymous session.
const (
	AuthNone  = ""
	AuthBasic = "basic" // basic-auth: username@tenantId and password (22/CAP)
	AuthX509  = "x509"  // x509-auth: a client certificate (22/CAP, MQTT/TLS only)
)

// transportNames are the MQTT transports, for help texts and errors.
var transportNames = []string{TransportTCP, TransportTLS, TransportWS}

// ErrPolicy is matched (errors.Is) by the errors of invalid tenant
// configurations and of TenantConfig.Set.
var ErrPolicy = errors.New("invalid tenant configuration")

func policyErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrPolicy}, args...)...)
}

// transport returns the settings of a transport name, or nil.
func (c *TenantConfig) transport(name string) *TransportAuth {
	switch name {
	case TransportTCP:
		return &c.Transports.MQTT.TCP
	case TransportTLS:
		return &c.Transports.MQTT.TLS
	case TransportWS:
		return &c.Transports.MQTT.WS
	}
	return nil
}

// Auth returns what a transport requires; an unknown transport requires
// nothing.
func (c TenantConfig) Auth(transport string) TransportAuth {
	if t := c.transport(transport); t != nil {
		return *t
	}
	return TransportAuth{}
}

// Set says whether method (AuthBasic or AuthX509) is required on transport.
func (c *TenantConfig) Set(transport, method string, required bool) error {
	t := c.transport(transport)
	if t == nil {
		return policyErrorf("unknown transport %q (want %s)", transport, strings.Join(transportNames, ", "))
	}
	switch method {
	case AuthBasic:
		t.BasicAuth.Required = required
	case AuthX509:
		if required && transport != TransportTLS {
			return policyErrorf("x509-auth exists on the tls transport only, not on %s", transport)
		}
		t.X509Auth.Required = required
	default:
		return policyErrorf("unknown authentication method %q (want %s or %s)", method, AuthBasic, AuthX509)
	}
	return nil
}

// Requirement words of SetRequirements (the CLI's flag values).
const (
	Required = "required"
	Optional = "optional"
)

// SetRequirements sets what transport requires of each method from words:
// Required, Optional, or "" to leave a method as it is.
func (c *TenantConfig) SetRequirements(transport, basic, x509 string) error {
	for _, m := range []struct{ method, word string }{{AuthBasic, basic}, {AuthX509, x509}} {
		switch m.word {
		case "":
		case Required, Optional:
			if err := c.Set(transport, m.method, m.word == Required); err != nil {
				return err
			}
		default:
			return policyErrorf("%s-auth %q: want %s or %s", m.method, m.word, Required, Optional)
		}
	}
	return nil
}

// TransportPolicy is what one transport requires, for listings: Required
// or Optional per method.
type TransportPolicy struct {
	Transport string `json:"transport"`
	BasicAuth string `json:"basicAuth"`
	X509Auth  string `json:"x509Auth"`
}

// Policies lists what every transport requires, tcp, tls, ws.
func (c TenantConfig) Policies() []TransportPolicy {
	word := func(required bool) string {
		if required {
			return Required
		}
		return Optional
	}
	out := make([]TransportPolicy, 0, len(transportNames))
	for _, name := range transportNames {
		a := c.Auth(name)
		out = append(out, TransportPolicy{Transport: name, BasicAuth: word(a.BasicAuth.Required), X509Auth: word(a.X509Auth.Required)})
	}
	return out
}

// Validate reports what Kaa does not allow: X.509 authentication on a
// transport without TLS.
func (c TenantConfig) Validate() error {
	var errs []error
	for _, name := range []string{TransportTCP, TransportWS} {
		if c.Auth(name).X509Auth.Required {
			errs = append(errs, policyErrorf("x509-auth exists on the tls transport only, not on %s", name))
		}
	}
	return errors.Join(errs...)
}

// Required reports whether the transport requires authentication at all.
func (a TransportAuth) Required() bool { return a.BasicAuth.Required || a.X509Auth.Required }

// Allows reports whether a session that authenticated with method (AuthNone,
// AuthBasic, AuthX509) in this tenant may carry the tenant's traffic: when
// the transport requires nothing, any session may; otherwise the session
// must have used one of the required methods (with both required, either).
func (a TransportAuth) Allows(method string) bool {
	if !a.Required() {
		return true
	}
	return method == AuthBasic && a.BasicAuth.Required || method == AuthX509 && a.X509Auth.Required
}

// String is the requirement in a few words ("basic or x509", "none").
func (a TransportAuth) String() string {
	var m []string
	if a.BasicAuth.Required {
		m = append(m, AuthBasic)
	}
	if a.X509Auth.Required {
		m = append(m, AuthX509)
	}
	if len(m) == 0 {
		return "none"
	}
	return strings.Join(m, " or ")
}

// TransportNames lists the MQTT transports a tenant configuration knows.
func TransportNames() []string { return slices.Clone(transportNames) }

// validateTenants checks the kaa.tenants section of a config file.
func validateTenants(tenants map[string]Tenant) error {
	var errs []error
	for id, t := range tenants {
		if id == "" {
			errs = append(errs, errors.New("config: tenant with an empty ID"))
			continue
		}
		if err := t.Config.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("config: tenant %q: %w", id, err))
		}
	}
	return errors.Join(errs...)
}
