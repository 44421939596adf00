package bcx

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/ism"
)

// ConfigUpdate is the JSON a configuration provider broadcasts on
// kaa.v1.events.<provider>.service.configuration.upsert|delete (17/SCMP as
// this project carries it, see SPEC.md): the settings of one application in
// Kaa's shape. Only BCX's own settings are read; others are ignored.
//
//	{"tenantId":"acme","appName":"demo","config":{"kaa":{"bcx":{"tokens":{"expiration":1800}}}}}
//
// expiration is in seconds, like Kaa's kaa.bcx.tokens.expiration. A delete
// event for an application drops its overrides.
type ConfigUpdate struct {
	TenantID string `json:"tenantId"`
	AppName  string `json:"appName"`
	Config   struct {
		Kaa struct {
			BCX struct {
				Tokens struct {
					Expiration *int64 `json:"expiration"`
				} `json:"tokens"`
			} `json:"bcx"`
		} `json:"kaa"`
	} `json:"config"`
}

// runtimeConfig holds per-application overrides received at run time; they
// win over the config file.
type runtimeConfig struct {
	mu       sync.RWMutex
	tokenTTL map[string]time.Duration
}

func (c *runtimeConfig) ttl(app string) (time.Duration, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.tokenTTL[app]
	return d, ok
}

// onConfigEvent applies an upsert or delete of one application's settings.
func (s *Server) onConfigEvent(m *nats.Msg) {
	var u ConfigUpdate
	if err := json.Unmarshal(m.Data, &u); err != nil || u.AppName == "" {
		s.log.Warn("bad configuration event", "subject", m.Subject, "error", fmt.Sprint(err))
		s.metrics.configEvents.WithLabelValues("invalid").Inc()
		return
	}
	// Another tenant's event may not touch an application it does not own.
	if owner, known := s.opts.Apps.Tenant(u.AppName); known && u.TenantID != "" && owner != u.TenantID {
		s.log.Warn("configuration event for another tenant's application ignored", "app", u.AppName, "tenant", u.TenantID)
		s.metrics.configEvents.WithLabelValues("rejected").Inc()
		return
	}
	s.runtime.mu.Lock()
	defer s.runtime.mu.Unlock()
	switch {
	case strings.HasSuffix(m.Subject, "."+ism.EventDelete):
		delete(s.runtime.tokenTTL, u.AppName)
	case u.Config.Kaa.BCX.Tokens.Expiration == nil:
		delete(s.runtime.tokenTTL, u.AppName)
	case *u.Config.Kaa.BCX.Tokens.Expiration <= 0:
		s.log.Warn("configuration event with a non-positive token expiration ignored", "app", u.AppName)
		s.metrics.configEvents.WithLabelValues("invalid").Inc()
		return
	default:
		s.runtime.tokenTTL[u.AppName] = time.Duration(*u.Config.Kaa.BCX.Tokens.Expiration) * time.Second
	}
	s.log.Info("application configuration applied", "app", u.AppName, "subject", m.Subject)
	s.metrics.configEvents.WithLabelValues("applied").Inc()
}

// tokenTTL is the upload token lifetime of an application: run-time override,
// else config file, else the service default.
func (s *Server) tokenTTL(app string) time.Duration {
	if d, ok := s.runtime.ttl(app); ok {
		return d
	}
	if d := s.opts.Apps.BCX(app).Tokens.Expiration; d > 0 {
		return d
	}
	return s.opts.TokenTTL
}
