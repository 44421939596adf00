package httpx

import "errors"

// ErrInvalidPrefix: a path prefix that is not "" or a clean absolute path
// without a trailing slash (e.g. /bcx).
var ErrInvalidPrefix = errors.New("invalid path prefix")
