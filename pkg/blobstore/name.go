package blobstore

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest app, endpoint or blob ID in bytes. It leaves room
// for a backend's suffixes within a 255-byte file name, and for three of them
// within a 1024-byte S3 key.
const MaxNameLen = 200

// DefaultContentType is what an empty Blob.ContentType means. Backends may
// return either for a blob stored without a content type.
const DefaultContentType = "application/octet-stream"

// ValidName reports whether s can be one part of a blob address (app,
// endpoint or blob ID): non-empty valid UTF-8 of at most MaxNameLen bytes,
// not "." or "..", without '/', '\\' or control characters (NUL included).
func ValidName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > MaxNameLen || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '/' || r == '\\' || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// CheckAddress returns an error wrapping ErrInvalid unless app, endpointID and
// id are all valid names.
func CheckAddress(app, endpointID, id string) error {
	for _, p := range [...]struct{ what, v string }{{"app", app}, {"endpoint", endpointID}, {"blob id", id}} {
		if !ValidName(p.v) {
			return fmt.Errorf("%w: %s %q", ErrInvalid, p.what, p.v)
		}
	}
	return nil
}

// CheckList returns an error wrapping ErrInvalid unless app and the endpoint
// filter (if any) are valid names.
func CheckList(app string, opts ListOptions) error {
	if !ValidName(app) {
		return fmt.Errorf("%w: app %q", ErrInvalid, app)
	}
	if opts.EndpointID != "" && !ValidName(opts.EndpointID) {
		return fmt.Errorf("%w: endpoint %q", ErrInvalid, opts.EndpointID)
	}
	return nil
}

// CheckPut returns an error wrapping ErrInvalid unless b's app and endpoint
// are valid names, and its ID too when one is given.
func CheckPut(b Blob) error {
	id := b.ID
	if id == "" {
		id = "new" // Put assigns a valid one
	}
	return CheckAddress(b.App, b.EndpointID, id)
}
