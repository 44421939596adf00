// Package admin holds API clients for the management commands of kaactl:
// BlobsClient for BCX's blob management API. (The credential provider's
// client is provider.Client.)
package admin
