package auth

import "errors"

var (
	// ErrNoToken is returned when a request carries no bearer token or a garbled Authorization header.
	ErrNoToken = errors.New("no bearer token")
	// ErrInvalidToken is returned for a token that is malformed, uses a disallowed algorithm, is signed by an
	// unknown key, has a bad signature, or is expired or not yet valid.
	ErrInvalidToken = errors.New("invalid token")
	// ErrUnknownTenant is returned when the token's issuer names no tenant known to the static config or the
	// Tenant Manager.
	ErrUnknownTenant = errors.New("unknown tenant")
	// ErrIssuerMismatch is returned when the token's iss differs from the issuer configured for its tenant.
	ErrIssuerMismatch = errors.New("issuer mismatch")
	// ErrIssuerUnavailable is returned when the Tenant Manager, the issuer's discovery document or its JWKS cannot
	// be fetched; the token may be fine, so callers should answer 503 rather than 401.
	ErrIssuerUnavailable = errors.New("issuer unavailable")
	// ErrBadIssuer is returned by ParseIssuers for a pair that is not tenant=URL.
	ErrBadIssuer = errors.New("want tenant=URL")
)
