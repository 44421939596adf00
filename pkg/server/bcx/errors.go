package bcx

import "errors"

var (
	// ErrTokenInvalid is returned for an upload token that is malformed or not signed by our key.
	ErrTokenInvalid = errors.New("invalid upload token")
	// ErrTokenExpired is returned for a correctly signed upload token past its expiry.
	ErrTokenExpired = errors.New("upload token expired")
	// ErrTokenRevoked is the refusal of a token issued before its endpoint
	// was suspended or revoked.
	ErrTokenRevoked = errors.New("upload token revoked")
	// errTooLarge is the body reader's error past the blob size limit.
	errTooLarge = errors.New("blob over the size limit")
)
