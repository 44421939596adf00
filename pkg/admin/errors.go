package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/kaactl/kaactl/pkg/api"
)

// Sentinel errors of the management API clients: the error kinds of
// pkg/api. An error answer of a server is an *APIError that matches the
// kind of its status (use errors.Is) and reads as the server's reason
// phrase, e.g. `application "demo" already exists in tenant "kaa"`.
var (
	// ErrNotFound: HTTP 404.
	ErrNotFound = api.ErrNotFound
	// ErrExists: HTTP 409.
	ErrExists = api.ErrExists
	// ErrInvalid: HTTP 400 and 413.
	ErrInvalid = api.ErrInvalid
	// ErrUnauthorized: HTTP 401 and 403.
	ErrUnauthorized = api.ErrUnauthorized

	// ErrUnreachable: no connection to the server (NATS, or an HTTP API).
	ErrUnreachable = errors.New("unreachable")
	// ErrNoReplicas: no KPC replica answered the sessions admin API.
	ErrNoReplicas = errors.New("no replica answered")
	// ErrReplicaMissing: a replica seen recently did not answer in time.
	ErrReplicaMissing = errors.New("replica missing")
	// ErrReplica: a replica answered with an error.
	ErrReplica = errors.New("replica error")
	// ErrInsecureFile: a secret file its group or others may read.
	ErrInsecureFile = errors.New("insecure secret file")
	// ErrCertMismatch: a TLS server's chain does not verify against the
	// certificate it should present.
	ErrCertMismatch = errors.New("certificate mismatch")
	// ErrKickNeedsNATS: kicking goes through NATS; KPC's REST API cannot.
	ErrKickNeedsNATS = errors.New("kicking a session needs the NATS admin API (--nats)")
	// ErrNeedIssuer: ClientAuth with a client ID but no issuer (a usage
	// error).
	ErrNeedIssuer = errors.New("--client-id needs --issuer")
	// ErrNeedSecret: ClientAuth with a client ID but no secret (a usage
	// error).
	ErrNeedSecret = errors.New("--client-id needs KAA_CLIENT_SECRET or --client-secret-file")
)

// APIError is an error answer of a management API.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Reason is the server's reasonPhrase (or the body, or the status text).
	Reason string
}

// Error is the reason, with the status in front when no sentinel error
// names its kind.
func (e *APIError) Error() string {
	if api.KindOf(e.Status) != nil {
		return e.Reason
	}
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Reason)
}

// Is matches the sentinel error of the status code.
func (e *APIError) Is(target error) bool {
	kind := api.KindOf(e.Status)
	return kind != nil && kind == target
}
