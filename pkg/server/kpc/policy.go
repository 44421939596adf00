package kpc

import (
	"errors"
	"maps"
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// AllTenants is the tenant of a management caller who sees every tenant's
// sessions (`kaactl up`'s admin token: auth.StaticToken{TenantID: AllTenants}).
const AllTenants = "*"

// errAuthRequired is the stop cause of sessions a tenant's policy no longer
// admits.
var errAuthRequired = errors.New("tenant requires client authentication on this transport")

// policies are the tenants' client authentication requirements: those of
// the config file (kaa.tenants), overridden per tenant by 17/SCMP events.
type policies struct {
	mu      sync.RWMutex
	file    map[string]kaaconfig.Tenant
	runtime map[string]kaaconfig.TenantConfig
}

func newPolicies(file map[string]kaaconfig.Tenant) *policies {
	return &policies{file: maps.Clone(file), runtime: map[string]kaaconfig.TenantConfig{}}
}

// of returns what tenant requires on transport.
func (p *policies) of(tenant, transport string) kaaconfig.TransportAuth {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if c, ok := p.runtime[tenant]; ok {
		return c.Auth(transport)
	}
	return p.file[tenant].Config.Auth(transport)
}

// set replaces tenant's run-time configuration; nil drops it, so that the
// file's applies again.
func (p *policies) set(tenant string, c *kaaconfig.TenantConfig) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c == nil {
		delete(p.runtime, tenant)
		return
	}
	p.runtime[tenant] = *c
}

// admits reports whether sess may carry traffic of tenant: when tenant
// requires authentication on the session's transport, the session must have
// authenticated in that tenant with a required method.
func (s *Server) admits(sess *session, tenant string) bool {
	method := kaaconfig.AuthNone
	if id := sess.identity(); id.tenant == tenant {
		method = id.method
	}
	return s.policies.of(tenant, sess.transport).Allows(method)
}

// admitsConnect reports whether a client may connect at all: where every
// application is one tenant's (see enforce), a client that tenant's policy
// refuses on this transport could carry no traffic, so it is refused at
// once instead of reconnecting for ever. Elsewhere the tenant of a session
// is known only from the tokens it uses.
func (s *Server) admitsConnect(cl *mqtt.Client, id identity) bool {
	sole, ok := s.appConfig().SoleTenant()
	if !ok {
		return true
	}
	method := kaaconfig.AuthNone
	if id.tenant == sole {
		method = id.method
	}
	return s.policies.of(sole, transportOf(cl.Net.Listener)).Allows(method)
}

// tenantOf is the tenant of an application (config file, default tenant).
func (s *Server) tenantOf(appName string) string {
	if t, ok := s.appConfig().Tenant(appName); ok {
		return t
	}
	return kaaconfig.DefaultTenant
}

// SetTenantPolicy applies a tenant's configuration at run time (nil: back
// to the config file's): what 17/SCMP upserts and deletes do, and what
// `kaactl up` does at start with the configurations its provider stores.
// Sessions the new policy does not admit, acting for endpoints of the
// tenant, are disconnected at once; new traffic of the tenant over such
// sessions is refused with 401.
func (s *Server) SetTenantPolicy(tenant string, c *kaaconfig.TenantConfig) error {
	if c != nil {
		if err := c.Validate(); err != nil {
			return err
		}
	}
	s.policies.set(tenant, c)
	s.enforce(tenant)
	return nil
}

// enforce disconnects the sessions of tenant that its policy does not
// admit. A session is the tenant's when it authenticated in it or acts for
// endpoints of its applications, and also, before it used any token, when
// every application is the tenant's (a single-tenant setup such as
// `kaactl up`'s): its traffic could be no one else's.
func (s *Server) enforce(tenant string) {
	sole, _ := s.appConfig().SoleTenant()
	for _, sess := range s.sessions.all() {
		apps := sess.appNames()
		mine := sess.identity().tenant == tenant || len(apps) == 0 && sole == tenant
		for _, app := range apps {
			mine = mine || s.tenantOf(app) == tenant
		}
		if mine && !s.admits(sess, tenant) {
			s.log.Info("closing session: tenant requires authentication", "client", sess.cl.ID, "tenant", tenant,
				"transport", sess.transport, "required", s.policies.of(tenant, sess.transport).String())
			s.kick(sess, packets.ErrNotAuthorized, errAuthRequired)
		}
	}
}

// kick disconnects a session for cause; a v5 client is told code first.
func (s *Server) kick(sess *session, code packets.Code, cause error) {
	cl := sess.cl
	if cl.Properties.ProtocolVersion >= 5 {
		_ = cl.WritePacket(packets.Packet{
			FixedHeader: packets.FixedHeader{Type: packets.Disconnect},
			ReasonCode:  code.Code,
			Properties:  packets.Properties{ReasonString: cause.Error()},
		})
	}
	cl.Stop(cause)
}

// onConfigEvent applies a tenant-level 17/SCMP event (kaaconfig.Update);
// application-level ones are BCX's and pass by.
func (s *Server) onConfigEvent(m *nats.Msg) {
	u, err := kaaconfig.ParseUpdate(m.Subject, m.Data)
	if err != nil {
		s.metrics.configEvents.WithLabelValues("invalid").Inc()
		s.log.Warn("bad configuration event", "subject", m.Subject, "error", err)
		return
	}
	c, ok := u.TenantUpdate()
	if !ok {
		return
	}
	if err := s.SetTenantPolicy(u.TenantID, c); err != nil {
		s.metrics.configEvents.WithLabelValues("invalid").Inc()
		s.log.Warn("bad configuration event", "subject", m.Subject, "tenant", u.TenantID, "error", err)
		return
	}
	s.metrics.configEvents.WithLabelValues("applied").Inc()
	s.log.Info("tenant configuration applied", "tenant", u.TenantID, "delete", u.Delete,
		"tcp", s.policies.of(u.TenantID, kaaconfig.TransportTCP).String(),
		"tls", s.policies.of(u.TenantID, kaaconfig.TransportTLS).String(),
		"ws", s.policies.of(u.TenantID, kaaconfig.TransportWS).String())
}
