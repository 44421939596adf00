package httpx

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/kaactl/kaactl/pkg/kp"
)

type prefixKey struct{}

// StripPrefix serves h under prefix: a request for prefix+"/x" reaches h as
// "/x", with the prefix in its context (Prefix) so that h can name its own
// URLs; every other path is answered 404 with a JSON error. An empty prefix
// is h itself.
func StripPrefix(prefix string, h http.Handler) http.Handler {
	if prefix == "" {
		return h
	}
	strip := http.StripPrefix(prefix, h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, prefix+"/") {
			NotFound(w, r)
			return
		}
		ctx := context.WithValue(r.Context(), prefixKey{}, Prefix(r.Context())+prefix)
		strip.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Prefix is the path prefix a request came through (StripPrefix), "" for none.
func Prefix(ctx context.Context) string {
	p, _ := ctx.Value(prefixKey{}).(string)
	return p
}

// ValidPrefix accepts "" and clean absolute paths without a trailing slash.
func ValidPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if prefix[0] != '/' || prefix == "/" || path.Clean(prefix) != prefix || strings.ContainsAny(prefix, "?#%{} \t") {
		return fmt.Errorf("%w %q: want an absolute path without a trailing slash, e.g. /bcx", ErrInvalidPrefix, prefix)
	}
	return nil
}

// WriteError answers status with Kaa's error body,
// {"statusCode":...,"reasonPhrase":...}.
func WriteError(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(kp.ErrorPayload(status, reason))
}

// NotFound answers 404 with a JSON error naming the path.
func NotFound(w http.ResponseWriter, r *http.Request) {
	WriteError(w, http.StatusNotFound, "no such path: "+r.URL.Path)
}

// JSONErrors is mux, with what mux has no pattern for answered in Kaa's
// JSON error body instead of net/http's plain text: 404, or 405 with the
// Allow header when another method has a pattern.
func JSONErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r) // sets r.Pattern and the path values, which h alone would not
			return
		}
		rec := statusRecorder{header: http.Header{}}
		h.ServeHTTP(&rec, r)
		if rec.status != http.StatusMethodNotAllowed {
			NotFound(w, r)
			return
		}
		w.Header().Set("Allow", rec.header.Get("Allow"))
		WriteError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on "+r.URL.Path)
	})
}

// statusRecorder keeps the status and headers of net/http's own 404 and
// 405 handlers and drops their text.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(p []byte) (int, error) { return len(p), nil }
func (s *statusRecorder) WriteHeader(status int)      { s.status = status }
