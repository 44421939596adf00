package kaaconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxUpdateSize bounds the JSON of one configuration event.
const MaxUpdateSize = 1 << 20

// ErrForeignTenant is matched (errors.Is) by ParseUpdate's error for an event
// of one tenant that carries another tenant's configuration.
var ErrForeignTenant = errors.New("configuration event changes another tenant")

// Update is a 17/SCMP configuration event as this project carries it (see
// SPEC.md): JSON on kaa.v1.events.<provider>.service.configuration.upsert
// or .delete. Its config is a fragment of the config file's kaa: tree, so
// one shape serves the file and the events:
//
//	{"tenantId":"acme","appName":"demo","config":{"kaa":{"bcx":{"tokens":{"expiration":1800}}}}}
//	{"tenantId":"t1","config":{"kaa":{"tenants":{"t1":{"config":{"transports":{"mqtt":{"tcp":{"basic-auth":{"required":true}}}}}}}}}}
//
// An event with appName is application-level (BCX reads its bcx settings;
// expiration is in seconds, like Kaa's kaa.bcx.tokens.expiration); one
// without is tenant-level (KPC reads kaa.tenants.<tenantId>). An upsert
// replaces what it carries; a delete drops the run-time settings of the
// application or tenant, so that the config file's apply again.
type Update struct {
	TenantID string       `json:"tenantId"`
	AppName  string       `json:"appName,omitempty"`
	Config   UpdateConfig `json:"config"`
	// Delete is true for a .delete event (from the subject, not the JSON).
	Delete bool `json:"-"`
}

// UpdateConfig is the config of an Update.
type UpdateConfig struct {
	Kaa UpdateKaa `json:"kaa"`
}

// UpdateKaa is the kaa: tree of an Update: what services read at run time.
type UpdateKaa struct {
	BCX     *BCXUpdate        `json:"bcx,omitempty"`
	Tenants map[string]Tenant `json:"tenants,omitempty"`
}

// BCXUpdate is an application's BCX settings in an Update.
type BCXUpdate struct {
	Tokens struct {
		// Expiration in seconds; nil leaves the default.
		Expiration *int64 `json:"expiration,omitempty"`
	} `json:"tokens"`
}

// ParseUpdate decodes the event received on subject. It refuses an event
// that names no tenant and no application, and one of tenant T that
// carries the configuration of another tenant (ErrForeignTenant): a
// tenant's event may change that tenant only.
func ParseUpdate(subject string, data []byte) (Update, error) {
	var u Update
	if len(data) > MaxUpdateSize {
		return Update{}, fmt.Errorf("configuration event over %d bytes", MaxUpdateSize)
	}
	if err := json.Unmarshal(data, &u); err != nil {
		return Update{}, fmt.Errorf("configuration event: %w", err)
	}
	u.Delete = strings.HasSuffix(subject, ".delete")
	if u.TenantID == "" && u.AppName == "" {
		return Update{}, errors.New("configuration event names neither tenantId nor appName")
	}
	for id, t := range u.Config.Kaa.Tenants {
		if id != u.TenantID {
			return Update{}, fmt.Errorf("%w: event of tenant %q carries kaa.tenants.%s", ErrForeignTenant, u.TenantID, id)
		}
		if err := t.Config.Validate(); err != nil {
			return Update{}, fmt.Errorf("configuration event of tenant %q: %w", id, err)
		}
	}
	return u, nil
}

// TenantUpdate returns the tenant configuration a tenant-level event sets:
// (config, true) for an upsert that carries one, (nil, true) for a delete,
// and ok false for an event that is not about the tenant's configuration.
func (u Update) TenantUpdate() (cfg *TenantConfig, ok bool) {
	if u.AppName != "" || u.TenantID == "" {
		return nil, false
	}
	if u.Delete {
		return nil, true
	}
	t, found := u.Config.Kaa.Tenants[u.TenantID]
	if !found {
		return nil, false
	}
	return &t.Config, true
}

// TenantUpsert is the Update a configuration provider publishes when a
// tenant's configuration is set.
func TenantUpsert(tenant string, cfg TenantConfig) Update {
	return Update{TenantID: tenant, Config: UpdateConfig{Kaa: UpdateKaa{Tenants: map[string]Tenant{tenant: {Config: cfg}}}}}
}
