package kpc

import (
	"cmp"
	"slices"
	"sync/atomic"
	"time"

	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// sessionStats are a session's counters for the admin API: atomics, so the
// request path takes no lock for them.
type sessionStats struct {
	connectedAt  time.Time
	lastActivity atomic.Int64 // unix nanoseconds
	msgsIn       atomic.Int64
	msgsOut      atomic.Int64
	bytesIn      atomic.Int64
	bytesOut     atomic.Int64
}

func (st *sessionStats) start(now time.Time) {
	st.connectedAt = now
	st.lastActivity.Store(now.UnixNano())
}

// received counts a PUBLISH from the client (n: topic and payload bytes).
func (st *sessionStats) received(n int) {
	st.msgsIn.Add(1)
	st.bytesIn.Add(int64(n))
	st.lastActivity.Store(time.Now().UnixNano())
}

// sent counts a PUBLISH written to the client.
func (st *sessionStats) sent(n int) {
	st.msgsOut.Add(1)
	st.bytesOut.Add(int64(n))
	st.lastActivity.Store(time.Now().UnixNano())
}

// transportName names a mochi listener as users know the transport.
func transportName(listener string) string {
	switch listener {
	case listenerTCP:
		return transportMQTT
	case listenerHTTPS: // MQTT over WebSocket on the HTTPS port
		return listenerWSS
	}
	return listener // mqtts, ws, wss
}

// authIdentity is the session's authenticated identity for the admin API
// (nil: anonymous).
func (s *session) authIdentity() *api.Identity {
	id := s.identity()
	if id.method == kaaconfig.AuthNone {
		return nil
	}
	return &api.Identity{Kind: id.method, Tenant: id.tenant, Subject: id.subject, CredentialsID: id.credentialsID, ClientID: id.clientID}
}

// info describes the session for the admin API.
func (s *session) info(srv *Server) api.Session {
	info := api.Session{
		Replica:      srv.opts.ReplicaID,
		ClientID:     s.cl.ID,
		Remote:       s.cl.Net.Remote,
		Transport:    transportName(s.cl.Net.Listener),
		Identity:     s.authIdentity(),
		ConnectedAt:  s.stats.connectedAt,
		LastActivity: time.Unix(0, s.stats.lastActivity.Load()),
		MsgsIn:       s.stats.msgsIn.Load(),
		MsgsOut:      s.stats.msgsOut.Load(),
		BytesIn:      s.stats.bytesIn.Load(),
		BytesOut:     s.stats.bytesOut.Load(),
	}
	s.mu.Lock()
	info.Endpoints = make([]api.SessionEndpoint, 0, len(s.endpoints))
	for id, ref := range s.endpoints {
		info.Endpoints = append(info.Endpoints, api.SessionEndpoint{EndpointID: id, AppName: ref.appName, AppVersion: ref.appVersion})
	}
	s.mu.Unlock()
	slices.SortFunc(info.Endpoints, func(a, b api.SessionEndpoint) int { return cmp.Compare(a.EndpointID, b.EndpointID) })
	switch {
	case info.Identity != nil && info.Identity.Tenant != "":
		info.Tenant = info.Identity.Tenant
	case len(info.Endpoints) > 0:
		info.Tenant = srv.tenantOf(info.Endpoints[0].AppName)
	}
	return info
}

// scopeToTenant keeps what a caller of tenant may see of sessions: those
// that authenticated in it, and those acting for endpoints of its
// applications, with only those endpoints and no identity of another tenant.
func scopeToTenant(sessions []api.Session, tenant string, tenantOf func(appName string) string) []api.Session {
	out := sessions[:0]
	for _, info := range sessions {
		mine := info.Identity != nil && info.Identity.Tenant == tenant
		if !mine {
			info.Identity = nil
		}
		eps := make([]api.SessionEndpoint, 0, len(info.Endpoints))
		for _, ep := range info.Endpoints {
			if tenantOf(ep.AppName) == tenant {
				eps = append(eps, ep)
			}
		}
		info.Endpoints = eps
		if mine || len(eps) > 0 {
			info.Tenant = tenant
			out = append(out, info)
		}
	}
	return out
}

// sessionInfos describes the sessions matching f, oldest first.
func (s *Server) sessionInfos(f api.SessionFilter) []api.Session {
	out := []api.Session{}
	for _, sess := range s.sessions.all() {
		if info := sess.info(s); f.Match(&info) {
			out = append(out, info)
		}
	}
	slices.SortFunc(out, func(a, b api.Session) int {
		return cmp.Or(a.ConnectedAt.Compare(b.ConnectedAt), cmp.Compare(a.ClientID, b.ClientID))
	})
	return out
}
