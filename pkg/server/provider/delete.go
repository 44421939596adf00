package provider

import (
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"
)

// MaxPageSize bounds one page of a paged endpoint listing.
const MaxPageSize = 10000

// ListEndpointsPage returns at most limit endpoints of tenant's application
// app from offset on, oldest first, and how many there are in all.
func (p *Provider) ListEndpointsPage(ctx context.Context, tenant, app string, offset, limit int) ([]Endpoint, int, error) {
	if offset < 0 || limit < 1 || limit > MaxPageSize {
		return nil, 0, errorf(ErrInvalid, "paging: offset %d and limit %d: want offset >= 0 and limit 1 to %d", offset, limit, MaxPageSize)
	}
	eps, err := p.ListEndpoints(ctx, tenant, app)
	if err != nil {
		return nil, 0, err
	}
	total := len(eps)
	eps = eps[min(offset, total):min(offset+limit, total)]
	return eps, total, nil
}

// DeleteEndpoint deletes an endpoint of tenant's application app; its token
// stops working and KPC closes its sessions (a token revoked event).
func (p *Provider) DeleteEndpoint(ctx context.Context, tenant, app, endpointID string) error {
	n, err := p.deleteEndpoints(ctx, tenant, app, []string{endpointID}, false)
	if err == nil && n == 0 {
		err = errorf(ErrNotFound, "endpoint %q not found in application %q", endpointID, app)
	}
	return err
}

// DeleteEndpoints deletes the endpoints ids of tenant's application app and
// returns how many there were: IDs that do not exist are skipped, so that a
// clean-up can be run again.
func (p *Provider) DeleteEndpoints(ctx context.Context, tenant, app string, ids []string) (int, error) {
	return p.deleteEndpoints(ctx, tenant, app, ids, false)
}

// DeleteAllEndpoints deletes every endpoint of tenant's application app and
// returns how many there were. The application stays.
func (p *Provider) DeleteAllEndpoints(ctx context.Context, tenant, app string) (int, error) {
	return p.deleteEndpoints(ctx, tenant, app, nil, true)
}

func (p *Provider) deleteEndpoints(ctx context.Context, tenant, app string, ids []string, all bool) (int, error) {
	if err := checkCall(ctx, tenant); err != nil {
		return 0, err
	}
	var deleted []Endpoint
	err := p.db.Update(func(tx *bolt.Tx) error {
		deleted = deleted[:0] // Update runs once, but keep the function safe to rerun
		if _, err := getApp(tx, tenant, app); err != nil {
			return err
		}
		eps, tokens := tx.Bucket(bucketEndpoints), tx.Bucket(bucketTokens)
		if all {
			recs, err := scanPrefix[endpointRecord](eps, app)
			if err != nil {
				return err
			}
			ids = ids[:0]
			for _, r := range recs {
				ids = append(ids, r.ID)
			}
		}
		for _, id := range ids {
			rec, ok, err := getJSON[endpointRecord](eps, key(app, id))
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := eps.Delete(key(app, id)); err != nil {
				return err
			}
			if err := tokens.Delete(append(key(app, ""), rec.TokenHash...)); err != nil {
				return err
			}
			deleted = append(deleted, rec.Endpoint)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, ep := range deleted {
		p.log.Debug("endpoint deleted", "tenant", tenant, "app", app, "endpoint_id", ep.ID)
		if ep.Status != StatusRevoked { // a revoked token was announced already
			errs = append(errs, p.publishTokenRevoked(ep))
		}
	}
	p.counts.deleted.Add(int64(len(deleted)))
	return len(deleted), errors.Join(errs...)
}
