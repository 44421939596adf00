package sim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kaactl/kaactl/pkg/admin"
)

// ProvisionOptions says what Provision registers.
type ProvisionOptions struct {
	Tenant, App string
	Endpoints   int
	Tokens      func(i int) string                      // endpoint tokens, registered in App
	Credentials func(i int) (username, password string) // optional basic credentials, registered in Tenant
	Certs       func(i int) ([]byte, error)             // optional PEM client certificates, registered as X.509 credentials in Tenant
	Workers     int                                     // concurrent API calls, default 16
	// Progress, if set, is called about every 250ms with how many endpoints
	// are done, and once more at the end if it was called at all: a
	// provisioning that is over within the first 250ms shows nothing.
	Progress func(done, total int)
}

// ProvisionResult counts what Provision created and what was there already.
type ProvisionResult struct {
	Created, Existing int
	IDs               []string // of the endpoints created
	// CredentialsExisting counts the basic credentials whose username was
	// registered already: they keep the password they were made with.
	CredentialsExisting int
}

// Provision registers the endpoint tokens (and basic credentials, if any)
// through the provider's REST API. Tokens and usernames already registered
// are left as they are. It stops at the first other error.
func Provision(ctx context.Context, c *admin.ProviderClient, o ProvisionOptions) (ProvisionResult, error) {
	workers := o.Workers
	if workers <= 0 {
		workers = 16
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next, created, existing, credsExisting atomic.Int64
	var once sync.Once
	var first error
	var idsMu sync.Mutex
	var ids []string
	stopProgress := provisionProgress(o.Progress, o.Endpoints, func() int { return int(created.Load() + existing.Load()) })
	failed := func(err error) {
		once.Do(func() { first = err; cancel() })
	}
	var wg sync.WaitGroup
	for range min(workers, o.Endpoints) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= o.Endpoints || ctx.Err() != nil {
					return
				}
				ep, _, err := c.CreateEndpoint(ctx, o.Tenant, o.App, o.Tokens(i))
				switch {
				case err == nil:
					idsMu.Lock()
					ids = append(ids, ep.ID)
					idsMu.Unlock()
					created.Add(1)
				case errors.Is(err, admin.ErrExists):
					existing.Add(1)
				default:
					failed(fmt.Errorf("provision endpoint %d (token %q): %w", i, o.Tokens(i), err))
					return
				}
				if o.Certs != nil {
					pemData, err := o.Certs(i)
					if err == nil {
						_, err = c.AddCert(ctx, o.Tenant, pemData)
					}
					if err != nil && !errors.Is(err, admin.ErrExists) {
						failed(fmt.Errorf("provision x509 credential %d: %w", i, err))
						return
					}
				}
				if o.Credentials != nil {
					user, pass := o.Credentials(i)
					tenant := o.Tenant
					if at := strings.LastIndexByte(user, '@'); at > 0 { // the MQTT user name <username>@<tenantId>
						user, tenant = user[:at], user[at+1:]
					}
					_, err := c.CreateBasic(ctx, tenant, user, pass)
					switch {
					case errors.Is(err, admin.ErrExists):
						credsExisting.Add(1)
					case err != nil:
						failed(fmt.Errorf("provision basic credential %d (username %q): %w", i, user, err))
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	stopProgress()
	return ProvisionResult{Created: int(created.Load()), Existing: int(existing.Load()), IDs: ids,
		CredentialsExisting: int(credsExisting.Load())}, first
}

// provisionProgress calls progress with done() of total every 250ms until
// the returned function is called, which reports once more if it had.
func provisionProgress(progress func(done, total int), total int, done func() int) (stop func()) {
	if progress == nil {
		return func() {}
	}
	var reported bool // read once every has returned: no race
	stopTicks := every(250*time.Millisecond, func() { progress(done(), total); reported = true })
	return func() {
		stopTicks()
		if reported {
			progress(done(), total)
		}
	}
}
