package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kaactl/kaactl/pkg/admin"
)

// cleanupWorkers is how many blob deletions run at once.
const cleanupWorkers = 16

// CleanUp deletes what a run created (with Cleanup set): the blobs it
// uploaded, through BCX's management API, and the endpoints provisioning
// created, through the provider's (endpoints that were there before the run
// stay, and so does the application). It says on stderr what it deleted.
// Give it a context of its own: an interrupted run cleans up too.
func (c *Config) CleanUp(ctx context.Context, rep Report, stderr io.Writer) error {
	if len(rep.Uploaded) == 0 && len(c.created) == 0 {
		fmt.Fprintln(stderr, "cleanup: the run provisioned no endpoint and stored no blob")
		return nil
	}
	tok, err := c.adminToken()
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	blobs, err := c.deleteBlobs(ctx, tok, rep.Uploaded)
	if err != nil {
		return fmt.Errorf("cleanup: deleted %d of %d blobs, then BCX at %s: %w", blobs, len(rep.Uploaded), c.BCXURL, err)
	}
	pc := c.providerClient(tok)
	defer pc.HTTP.CloseIdleConnections()
	eps, err := pc.DeleteEndpoints(ctx, c.Tenant, c.Application, c.created)
	if err != nil {
		return fmt.Errorf("cleanup: %d blobs deleted, then %w", blobs, c.atProvider(err))
	}
	fmt.Fprintf(stderr, "cleanup: deleted %s endpoints from %s/%s and %s blobs\n", Thousands(int64(eps)), c.Tenant, c.Application, Thousands(int64(blobs)))
	return nil
}

// deleteBlobs deletes the blobs at locations (BCX's Location of each
// upload) and returns how many it deleted; those already gone count too.
func (c *Config) deleteBlobs(ctx context.Context, token string, locations []string) (int, error) {
	if len(locations) == 0 {
		return 0, nil
	}
	bc := &admin.BlobsClient{REST: admin.REST{BaseURL: c.BCXURL, Token: token, HTTP: newHTTPClient(cleanupWorkers, c.bcxTLSConf)}}
	defer bc.HTTP.CloseIdleConnections() // see providerClient
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next, done atomic.Int64
		once       sync.Once
		first      error
		wg         sync.WaitGroup
	)
	for range min(cleanupWorkers, len(locations)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(locations) || ctx.Err() != nil {
					return
				}
				err := deleteBlob(ctx, bc, locations[i])
				if err != nil && !errors.Is(err, admin.ErrNotFound) {
					once.Do(func() { first = err; cancel() })
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return int(done.Load()), first
}

// deleteBlob deletes the blob at location,
// /api/v1/applications/<app>/endpoints/<endpointId>/binary-data/<blobId>.
func deleteBlob(ctx context.Context, bc *admin.BlobsClient, location string) error {
	u, err := url.Parse(location)
	if err != nil {
		return fmt.Errorf("blob location %q: %w", location, err)
	}
	parts := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/api/v1/applications/"), "/")
	if len(parts) != 5 || parts[1] != "endpoints" || parts[3] != "binary-data" {
		return fmt.Errorf("blob location %q: not .../applications/<app>/endpoints/<id>/binary-data/<blob>", location)
	}
	for i, p := range parts {
		if parts[i], err = url.PathUnescape(p); err != nil {
			return fmt.Errorf("blob location %q: %w", location, err)
		}
	}
	return bc.Delete(ctx, parts[0], parts[2], parts[4])
}
