package provider

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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

// ParseStatus accepts a status name in any case.
func ParseStatus(s string) (Status, error) {
	switch st := Status(strings.ToLower(strings.TrimSpace(s))); st {
	case StatusInactive, StatusActive, StatusSuspended, StatusRevoked:
		return st, nil
	}
	return "", errorf(ErrInvalid, "unknown status %q (want active, suspended or revoked)", s)
}

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

// BasicCredential is a username/password client credential. The password is
// kept only as a bcrypt hash and never returned.
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

var (
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	tenantRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
)

func checkTenant(tenant string) error {
	if !tenantRE.MatchString(tenant) {
		return errorf(ErrInvalid, "tenant %q is not a valid tenant ID ([A-Za-z0-9][A-Za-z0-9._-]{0,62})", tenant)
	}
	return nil
}

func checkName(what, name string) error {
	if !nameRE.MatchString(name) {
		return errorf(ErrInvalid, "%s name %q is invalid (want [a-z0-9][a-z0-9-]{0,62})", what, name)
	}
	return nil
}

// maxTokenLen bounds endpoint tokens, which travel in MQTT topics and URLs.
const maxTokenLen = 512

// checkToken accepts a token that can be one level of a 1/KP topic and one
// segment of a 1/KP HTTP path.
func checkToken(token string) error {
	if token == "" || len(token) > maxTokenLen {
		return errorf(ErrInvalid, "endpoint token must be 1 to %d bytes long", maxTokenLen)
	}
	if !utf8.ValidString(token) || strings.ContainsAny(token, "/+#?%") || strings.ContainsFunc(token, unicode.IsSpace) || strings.ContainsFunc(token, unicode.IsControl) {
		return errorf(ErrInvalid, "endpoint token must be valid UTF-8 without whitespace, control characters or any of / + # ? %%")
	}
	return nil
}

// checkText accepts a printable single-line value of at most max bytes.
func checkText(what, s string, max int) error {
	if s == "" || len(s) > max {
		return errorf(ErrInvalid, "%s must be 1 to %d bytes long", what, max)
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		return errorf(ErrInvalid, "%s must be valid UTF-8 without control characters", what)
	}
	return nil
}
