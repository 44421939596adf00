package provider

import (
	"context"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kaactl/kaactl/pkg/api"
)

// The wire types of the REST API live in pkg/api, shared with its clients;
// the store keeps their names.
type (
	Status          = api.Status
	App             = api.App
	Endpoint        = api.Endpoint
	EndpointSpec    = api.EndpointSpec
	CreatedEndpoint = api.CreatedEndpoint
	BasicCredential = api.BasicCredential
	BasicSpec       = api.BasicSpec
	CertCredential  = api.CertCredential
)

// Statuses, as they appear in JSON.
const (
	StatusInactive  = api.StatusInactive
	StatusActive    = api.StatusActive
	StatusSuspended = api.StatusSuspended
	StatusRevoked   = api.StatusRevoked
)

// ParseStatus accepts a status name in any case.
func ParseStatus(s string) (Status, error) {
	switch st := Status(strings.ToLower(strings.TrimSpace(s))); st {
	case StatusInactive, StatusActive, StatusSuspended, StatusRevoked:
		return st, nil
	}
	return "", errorf(ErrInvalid, "unknown status %q (want active, suspended or revoked)", s)
}

var (
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	tenantRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
)

// checkCall is how every store call on a tenant begins: a done context or
// an invalid tenant ID stops it.
func checkCall(ctx context.Context, tenant string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
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
