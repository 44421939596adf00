// Package blobstore stores BCX blobs. One small Store interface, one sibling
// package per backend (s3, disk, ram), and one conformance suite
// (blobstore/storetest) that every backend must pass: the suite is the spec.
package blobstore

import (
	"context"
	"io"
	"time"
)

// Blob describes one stored blob. Blobs are addressed by application,
// endpoint and ID; tenant isolation is enforced above this layer.
type Blob struct {
	App         string    `json:"app"`
	EndpointID  string    `json:"endpointId"`
	ID          string    `json:"id"`
	Name        string    `json:"name"`        // user-given name, may be ""
	ContentType string    `json:"contentType"` // "" means application/octet-stream
	Size        int64     `json:"size"`
	Created     time.Time `json:"createdDate"`
}

// ListOptions selects and pages blobs of one application.
type ListOptions struct {
	EndpointID string // "" lists every endpoint of the app
	Offset     int    // blobs to skip (page * size)
	Limit      int    // 0 means no limit
	Ascending  bool   // oldest first; the default is newest first
}

// ListResult is one page and the number of blobs that matched in all.
type ListResult struct {
	Blobs []Blob
	Total int
}

// Store is a blob backend. Every method takes a context that bounds its I/O.
//
// Put streams r into a blob: memory use must not grow with the blob size
// (except in the ram backend). A blob becomes visible (Stat, Get, List) only
// once Put returns nil; if r fails, ctx ends or the backend fails, nothing of
// it is visible and nothing is left behind (no partial object, no orphaned
// multipart upload). If b.Size > 0 it announces the body's size: a backend
// may use it (s3 streams one PutObject instead of a multipart upload) and Put
// then fails if r yields a different number of bytes. If b.ID is "" Put assigns a new unique ID whose
// lexicographic order is creation order (see IDGenerator); if b.ID is set, Put
// replaces any blob with that ID. Put fills ID, Size and Created of the
// returned Blob; Created is set by Put (when it starts), not taken from b.
// Addresses are checked with ValidName.
//
// Size limits are the caller's: it passes a reader that fails past the limit.
// Errors: ErrNotFound for a missing blob, ErrInvalid for a bad address,
// ErrUnavailable (wrapped) when the backend cannot be reached.
type Store interface {
	Put(ctx context.Context, b Blob, r io.Reader) (Blob, error)
	// Stat returns a blob's metadata.
	Stat(ctx context.Context, app, endpointID, id string) (Blob, error)
	// Get opens a blob for reading length bytes from offset (length < 0: to the
	// end; a length past the end reads to the end). Offsets past the end, or
	// negative, give ErrRange; an offset at the end reads nothing.
	Get(ctx context.Context, app, endpointID, id string, offset, length int64) (io.ReadCloser, Blob, error)
	// List returns blobs of an application ordered by Created (ties by ID).
	List(ctx context.Context, app string, opts ListOptions) (ListResult, error)
	// Delete removes a blob; deleting a missing blob is ErrNotFound.
	Delete(ctx context.Context, app, endpointID, id string) error
	// Ping reports whether the backend is reachable (for /health).
	Ping(ctx context.Context) error
}
