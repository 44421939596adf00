package testenv

import (
	"context"
	"testing"
	"time"
)

// Service is a server with this repo's lifecycle: Start, then Shutdown
// (idempotent, so a test may shut it down earlier itself).
type Service interface {
	Start(context.Context) error
	Shutdown(context.Context) error
}

// Start starts s and shuts it down at cleanup, within 10s; an error of
// either fails the test, named by what.
func Start(t testing.TB, what string, s Service) {
	t.Helper()
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("%s start: %v", what, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("%s shutdown: %v", what, err)
		}
	})
}
