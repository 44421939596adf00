package api

import (
	"time"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// Status is the state of an endpoint or a credential.
//
// Endpoints: Inactive (created, never used) → Active (on first successful
// token validation) → Suspended (reversible with Active) or Revoked (final).
// Credentials: Active → Revoked (final).
type Status string

// Statuses, as they appear in JSON.
const (
	StatusInactive  Status = "inactive"
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
	StatusRevoked   Status = "revoked"
)

// App is an application of a tenant.
type App struct {
	Name   string `json:"name"`
	Tenant string `json:"tenant"`
	// Versions are the application version names (unique per deployment),
	// as used in 1/KP topics.
	Versions []string `json:"versions"`
	// AutoRegister makes the provider accept unknown tokens of this
	// application as new, active endpoints.
	AutoRegister bool      `json:"autoRegister"`
	CreatedAt    time.Time `json:"createdAt"`
}

// AppSpec is the request body that creates an application.
type AppSpec struct {
	Name string `json:"name"`
	// Versions default to NAME-v1.
	Versions     []string `json:"versions"`
	AutoRegister bool     `json:"autoRegister"`
}

// Endpoint is a device of an application, identified on the wire by its
// token. The token itself is never stored and never listed.
type Endpoint struct {
	ID        string    `json:"endpointId"`
	TokenID   string    `json:"tokenId"`
	Tenant    string    `json:"tenant"`
	App       string    `json:"app"`
	Name      string    `json:"name,omitempty"`
	Status    Status    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
}

// EndpointSpec describes an endpoint to create.
type EndpointSpec struct {
	// Token is the endpoint token; "" generates 32 random bytes, base64url.
	Token string `json:"token"`
	// Name is optional metadata.
	Name string `json:"name,omitempty"`
}

// CreatedEndpoint is an endpoint with its token, as returned once by the
// REST API on creation.
type CreatedEndpoint struct {
	Endpoint
	Token string `json:"token"`
}

// StatusSpec is the request body that sets an endpoint's status; the
// server accepts the status name in any case.
type StatusSpec struct {
	Status string `json:"status"`
}

// BasicCredential is a username/password client credential. The password is
// kept only as a salted hash and never returned.
type BasicCredential struct {
	ID        string    `json:"credentialsId"`
	Tenant    string    `json:"tenant"`
	Username  string    `json:"username"`
	ClientID  string    `json:"clientId"`
	Status    Status    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
}

// BasicSpec describes basic credentials to create.
type BasicSpec struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// ClientID defaults to Username.
	ClientID string `json:"clientId,omitempty"`
}

// CertCredential is an X.509 client credential, matched by the certificate's
// issuer DN and serial number (base 10).
type CertCredential struct {
	ID     string `json:"credentialsId"`
	Tenant string `json:"tenant"`
	Issuer string `json:"issuer"`
	Serial string `json:"serial"`
	// Subject and NotAfter are known when the certificate was registered as PEM.
	Subject   string     `json:"subject,omitempty"`
	NotAfter  *time.Time `json:"notAfter,omitempty"`
	Status    Status     `json:"status"`
	CreatedAt time.Time  `json:"createdAt"`
}

// CertSpec is the request body that registers X.509 credentials: a PEM
// certificate, or an issuer DN and a base-10 serial.
type CertSpec struct {
	PEM    string `json:"pem,omitempty"`
	Issuer string `json:"issuer,omitempty"`
	Serial string `json:"serial,omitempty"`
}

// TenantConfig is the body of GET and PUT /api/v1/tenants/<tenant>/config:
// Kaa's kaa.tenants.<tenantId>.config, the tenant's client authentication
// policy per MQTT transport, e.g.
//
//	{"transports":{"mqtt":{"tcp":{"basic-auth":{"required":true}}}}}
//
// It is the configuration package's own type, so that the file, the 17/SCMP
// events and the API share one shape.
type TenantConfig = kaaconfig.TenantConfig
