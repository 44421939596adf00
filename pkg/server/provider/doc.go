// Package provider is kaactl's credential provider: Kaa's CM (endpoint
// tokens, 16/ECAP) and CCM (client credentials, 22/CAP) in one service, backed
// by a durable embedded store (bbolt) in a data directory.
//
// Per tenant it keeps applications (with their versions), endpoints
// identified by secret tokens, basic (username/password) client credentials
// and X.509 client credentials, and the tenant's configuration (its client
// authentication policy). It answers KPC's ep-token-request, basic-request
// and certificate-request over NATS, broadcasts revocation events when an
// endpoint is suspended or revoked or a credential is revoked, broadcasts a
// 17/SCMP configuration event when a tenant's configuration changes, and
// serves a management REST API (pkg/admin's ProviderClient calls it).
//
// Secrets are never stored in clear: endpoint tokens are kept as their SHA-256
// (and looked up by it), passwords as salted HMAC-SHA256 (see password.go;
// bcrypt hashes of older stores still verify).
package provider
