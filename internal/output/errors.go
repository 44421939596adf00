package output

import "errors"

// Sentinel errors; match with errors.Is.
var (
	// ErrFormat: an output format other than table, json or yaml.
	ErrFormat = errors.New("unknown output format")
)
