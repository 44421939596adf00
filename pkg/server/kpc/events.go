package kpc

import (
	"errors"
	"strings"

	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// publishConnectivity sends a 9/ELCE connected or disconnected event for
// endpoints (endpointId -> appVersionName).
func (s *Server) publishConnectivity(eventType string, endpoints map[string]string) {
	var (
		data []byte
		err  error
	)
	corr, now := ism.NewCorrelationID(), ism.NowMillis()
	if eventType == ism.EventConnected {
		data, err = ism.Marshal(&ism.EndpointConnected{CorrelationID: corr, Timestamp: now, Endpoints: endpoints, OriginatorReplicaID: s.opts.ReplicaID})
	} else {
		data, err = ism.Marshal(&ism.EndpointDisconnected{CorrelationID: corr, Timestamp: now, Endpoints: endpoints, OriginatorReplicaID: s.opts.ReplicaID})
	}
	if err == nil {
		err = s.nc.Publish(ism.EventSubject(s.opts.Instance, ism.EntityEndpoint, ism.GroupConnectivity, eventType), data)
	}
	if err != nil {
		s.metrics.natsErrors.WithLabelValues("publish").Inc()
		s.log.Warn("connectivity event not sent", "event", eventType, "error", err)
	}
}

// onTokenRevoked closes every session that uses a revoked token (16/ECAP:
// "immediate measures for terminating active sessions").
func (s *Server) onTokenRevoked(m *nats.Msg) {
	var ev ism.EndpointTokenRevokedEvent
	if !s.decode(m, &ev, "token revoked event") {
		return
	}
	s.tokens.revoke(ev.EndpointID, ev.TokenIDs)
	for _, sess := range s.sessions.revokeTokenIDs(ev.TokenIDs) {
		s.log.Info("closing session: endpoint token revoked", "client", sess.cl.ID, "endpointId", ev.EndpointID)
		sess.cl.Stop(errTokenRevoked)
	}
}

// errCredentialsRevoked is the stop cause of sessions whose client
// credentials were revoked.
var errCredentialsRevoked = errors.New("client credentials revoked")

// onCredentialsRevoked closes every session of this replica that
// authenticated with revoked credentials (22/CAP: "immediate measures for
// terminating active communication sessions"); every replica hears the
// event. A reconnect with them is refused by the provider.
func (s *Server) onCredentialsRevoked(m *nats.Msg) {
	var ev ism.CredentialsRevokedEvent
	if !s.decode(m, &ev, "credentials revoked event") {
		return
	}
	method := kaaconfig.AuthBasic
	if strings.Contains(m.Subject, "."+ism.GroupCertificate+".") {
		method = kaaconfig.AuthX509
	}
	for _, sess := range s.sessions.revokeCredentials(credentialsKey(method, ev.TenantID, ev.CredentialsID)) {
		s.log.Info("closing session: client credentials revoked", "client", sess.cl.ID, "tenant", ev.TenantID, "credentials_id", ev.CredentialsID)
		s.kick(sess, packets.ErrNotAuthorized, errCredentialsRevoked)
	}
}
