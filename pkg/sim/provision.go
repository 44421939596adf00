package sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/kaactl/kaactl/pkg/server/provider"
)

// Provision registers the endpoint tokens token(0..n-1) in tenant's
// application app through the provider's REST API, workers at a time.
// Tokens already registered are left as they are. It stops at the first
// other error.
func Provision(ctx context.Context, c *provider.Client, tenant, app string, n int, token func(int) string, workers int) (created, existing int, err error) {
	if workers <= 0 {
		workers = 16
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next, nCreated, nExisting atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				_, _, err := c.CreateEndpoint(ctx, tenant, app, token(i))
				switch {
				case err == nil:
					nCreated.Add(1)
				case errors.Is(err, provider.ErrExists):
					nExisting.Add(1)
				default:
					once.Do(func() { first = fmt.Errorf("provision endpoint %d (token %q): %w", i, token(i), err); cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	return int(nCreated.Load()), int(nExisting.Load()), first
}
