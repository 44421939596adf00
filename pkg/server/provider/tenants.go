package provider

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// TenantConfig is a tenant's configuration (its client authentication
// policy), the wire type of the REST API.
type TenantConfig = kaaconfig.TenantConfig

// SetTenantConfig stores tenant's configuration and broadcasts it as a
// 17/SCMP upsert (kaaconfig.Update), as Kaa's configuration provider does:
// KPC applies it at once, disconnecting the sessions the new policy
// refuses. The store keeps it across restarts (`kaactl up` hands it to KPC
// at start).
func (p *Provider) SetTenantConfig(ctx context.Context, tenant string, cfg TenantConfig) error {
	if err := checkCall(ctx, tenant); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return errorf(ErrInvalid, "%v", err)
	}
	err := p.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketTenantConfig), []byte(tenant), cfg)
	})
	if err != nil {
		return err
	}
	p.log.Info("tenant configuration set", "tenant", tenant, "tcp", cfg.Auth(kaaconfig.TransportTCP).String(),
		"tls", cfg.Auth(kaaconfig.TransportTLS).String(), "ws", cfg.Auth(kaaconfig.TransportWS).String())
	return p.publishConfig(ism.EventUpsert, kaaconfig.TenantUpsert(tenant, cfg))
}

// DeleteTenantConfig drops tenant's configuration (nothing is required of
// its sessions any more, unless a service's config file says so) and
// broadcasts the 17/SCMP delete. Deleting what is not there is a no-op.
func (p *Provider) DeleteTenantConfig(ctx context.Context, tenant string) error {
	if err := checkCall(ctx, tenant); err != nil {
		return err
	}
	existed := false
	err := p.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTenantConfig)
		if existed = b.Get([]byte(tenant)) != nil; !existed {
			return errUnchanged
		}
		return b.Delete([]byte(tenant))
	})
	if err != nil || !existed {
		return err
	}
	p.log.Info("tenant configuration deleted", "tenant", tenant)
	return p.publishConfig(ism.EventDelete, kaaconfig.Update{TenantID: tenant})
}

// GetTenantConfig returns tenant's configuration; the zero value (nothing
// required) when none is set.
func (p *Provider) GetTenantConfig(ctx context.Context, tenant string) (TenantConfig, error) {
	if err := checkCall(ctx, tenant); err != nil {
		return TenantConfig{}, err
	}
	var cfg TenantConfig
	err := p.db.View(func(tx *bolt.Tx) error {
		var err error
		cfg, _, err = getJSON[TenantConfig](tx.Bucket(bucketTenantConfig), []byte(tenant))
		return err
	})
	return cfg, err
}

// TenantConfigs returns every stored tenant configuration, by tenant.
func (p *Provider) TenantConfigs(ctx context.Context) (map[string]TenantConfig, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := map[string]TenantConfig{}
	err := p.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTenantConfig).ForEach(func(k, v []byte) error {
			var cfg TenantConfig
			if err := json.Unmarshal(v, &cfg); err != nil {
				return fmt.Errorf("corrupt record %q: %w", k, err)
			}
			out[string(k)] = cfg
			return nil
		})
	})
	return out, err
}

// publishConfig broadcasts a 17/SCMP configuration event (JSON, see
// kaaconfig.Update) of type upsert or delete.
func (p *Provider) publishConfig(eventType string, u kaaconfig.Update) error {
	data, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("encode configuration event: %w", err)
	}
	return p.publishData(ism.EventSubject(p.opts.Instance, ism.EntityService, ism.GroupConfiguration, eventType), data)
}
