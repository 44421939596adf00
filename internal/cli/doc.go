// Package cli is the plumbing kaactl's cobra commands share, so that
// cmd/kaactl holds only the command tree and each command's wiring: usage
// errors (exit code 2) and the argument checks that make them, the leaf
// runner with its test seam, confirmation before what cannot be undone,
// the logging flags, the service runner of the serve and up commands, and
// the version text.
package cli
