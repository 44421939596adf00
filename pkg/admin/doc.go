// Package admin is the one client layer of kaactl's management APIs:
// ProviderClient for the credential provider's REST API (applications,
// endpoints, credentials) and BlobsClient for BCX's blob management API.
// Both are built on REST (base URL, bearer token, HTTP client; bounded
// JSON reads and streamed downloads), and every error answer they get is
// an *APIError matching one of this package's sentinel errors. Conn is
// where the APIs are and whose token to send, as the management commands'
// flags say, and Explain words the errors of these clients for people.
//
// The wire types are pkg/api's, shared with the servers; admin imports no
// server package, and no server package imports admin.
package admin
