package bcx

import (
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

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

// onConfigEvent applies an upsert or delete of one application's settings
// (kaaconfig.Update); tenant-level events are KPC's and pass by.
func (s *Server) onConfigEvent(m *nats.Msg) {
	u, err := kaaconfig.ParseUpdate(m.Subject, m.Data)
	if err != nil {
		s.log.Warn("bad configuration event", "subject", m.Subject, "error", err)
		s.metrics.configEvents.WithLabelValues("invalid").Inc()
		return
	}
	if u.AppName == "" {
		return
	}
	// Another tenant's event may not touch an application it does not own.
	if owner, known := s.opts.Apps.Tenant(u.AppName); known && u.TenantID != "" && owner != u.TenantID {
		s.log.Warn("configuration event for another tenant's application ignored", "app", u.AppName, "tenant", u.TenantID)
		s.metrics.configEvents.WithLabelValues("rejected").Inc()
		return
	}
	var expiration *int64
	if u.Config.Kaa.BCX != nil {
		expiration = u.Config.Kaa.BCX.Tokens.Expiration
	}
	s.runtime.mu.Lock()
	defer s.runtime.mu.Unlock()
	switch {
	case u.Delete || expiration == nil:
		delete(s.runtime.tokenTTL, u.AppName)
	case *expiration <= 0:
		s.log.Warn("configuration event with a non-positive token expiration ignored", "app", u.AppName)
		s.metrics.configEvents.WithLabelValues("invalid").Inc()
		return
	default:
		s.runtime.tokenTTL[u.AppName] = time.Duration(*expiration) * time.Second
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
