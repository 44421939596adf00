// Package api is the contract of kaactl's management REST APIs, the
// credential provider's (applications, endpoints, credentials) and BCX's
// blob management API: their JSON wire types, the error body, and the error
// kinds with their HTTP statuses. Servers encode what clients decode, so
// that the two cannot drift apart; the package depends on nothing but the
// standard library and pkg/kaaconfig (whose tenant configuration is a wire
// type too), and both sides import it.
package api

// Error is the JSON body of every error answer, as in Kaa.
type Error struct {
	StatusCode   int    `json:"statusCode"`
	ReasonPhrase string `json:"reasonPhrase"`
}
