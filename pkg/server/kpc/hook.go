package kpc

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kp"
)

// hook makes mochi a 1/KP edge: every kp1/ PUBLISH is relayed to its
// extension instead of being routed to subscribers, and replies go straight to
// the requesting client.
type hook struct {
	mqtt.HookBase
	s *Server
}

func (h *hook) ID() string { return "kpc" }

func (h *hook) Provides(b byte) bool {
	switch b {
	case mqtt.OnPacketRead, mqtt.OnConnect, mqtt.OnConnectAuthenticate, mqtt.OnACLCheck,
		mqtt.OnSessionEstablish, mqtt.OnDisconnect, mqtt.OnPublish, mqtt.OnSelectSubscribers,
		mqtt.OnQosComplete, mqtt.OnQosDropped, mqtt.OnPacketEncode:
		return true
	}
	return false
}

// OnPacketRead switches off, in a CONNECT before mochi looks at it, what
// would let one client reach another or outlive its connection: a will (a
// publish 1/KP does not route, which mochi would deliver to subscribers, or
// keep in memory for a delayed one) and a persistent session (inflight
// replies a client ID takeover would inherit). Both are stripped rather
// than refused, so clients whose library sets them still connect.
func (h *hook) OnPacketRead(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if pk.FixedHeader.Type != packets.Connect {
		return pk, nil
	}
	c := &pk.Connect
	if c.WillFlag {
		c.WillFlag, c.WillQos, c.WillRetain, c.WillTopic, c.WillPayload = false, 0, false, "", nil
		c.WillProperties = packets.Properties{}
		h.s.metrics.adjusted.WithLabelValues("will_stripped").Inc()
	}
	// A v3.1.1 client without an ID must ask for a clean session: leave it
	// for mochi to refuse.
	if !c.Clean && (pk.ProtocolVersion >= 5 || c.ClientIdentifier != "") {
		c.Clean = true
		h.s.metrics.adjusted.WithLabelValues("clean_start").Inc()
	}
	return pk, nil
}

// OnConnect admits a client or refuses it with the CONNACK code that says
// why: while draining, "server unavailable"; then it authenticates the
// client (see authenticate), checks the policy of a single-tenant setup
// (admitsConnect) and that it may use its client ID: one in use may be
// taken over only by the same identity. mochi's
// OnConnectAuthenticate could only answer "bad user name or password", so
// the decision is made here, and OnConnectAuthenticate only agrees.
//
// It also bounds the keepalive: 0 (no keepalive) and values over
// MaxKeepalive become MaxKeepalive, values under MinKeepalive become
// MinKeepalive. mochi tells v5 clients the result in CONNACK and, from now
// on, closes a connection silent for 1.5 times it.
func (h *hook) OnConnect(cl *mqtt.Client, pk packets.Packet) error {
	s := h.s
	dc := connOf(cl.Net.Conn)
	if dc != nil {
		dc.connected.Store(true)
	}
	if s.draining.Load() {
		s.refuse(cl, refuseDraining)
		return refuseDraining.code
	}
	id, r, attrs := s.authenticate(cl, pk)
	switch {
	case r != nil:
	case !s.admitsConnect(cl, id):
		r = &refuseAuthRequired
	case !s.sessions.mayTakeOver(cl.ID, id):
		r = &refuseClientIDInUse
	}
	if r != nil {
		s.refuse(cl, *r, attrs...)
		return r.code
	}
	if dc != nil {
		dc.identity = id // for the session OnSessionEstablish creates
	}
	lo, hi := uint16(s.opts.MinKeepalive/time.Second), uint16(s.opts.MaxKeepalive/time.Second)
	switch ka := cl.State.Keepalive; {
	case ka == 0 || ka > hi:
		cl.State.Keepalive = hi
	case ka < lo:
		cl.State.Keepalive = lo
	default:
		return nil
	}
	cl.State.ServerKeepalive = true
	s.metrics.adjusted.WithLabelValues("keepalive").Inc()
	return nil
}

// OnConnectAuthenticate lets in every client OnConnect admitted (mochi
// refuses all clients unless a hook says yes).
func (h *hook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool { return true }

// OnACLCheck lets clients publish only under kp1/. Subscriptions are allowed
// (Kaa's Node.js client subscribes to its reply topics) but never deliver
// anything (see OnSelectSubscribers), except that filters starting with $
// ($SYS, $share) are refused: KPC publishes no $SYS topics, shares nothing.
func (h *hook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	if write && !strings.HasPrefix(topic, kp.Prefix+"/") {
		h.s.metrics.rejected.WithLabelValues("not_kp1").Inc()
		h.s.log.Info("publish outside kp1/ rejected", "client", cl.ID, "topic", loggedTopic(topic))
		return false
	}
	if !write && strings.HasPrefix(topic, "$") {
		h.s.metrics.rejectedSubs.WithLabelValues("reserved_topic").Inc()
		h.s.log.Info("subscription to a $ topic rejected", "client", cl.ID, "filter", loggedTopic(topic))
		return false
	}
	return true
}

// OnSelectSubscribers routes nothing: replies are written to their session
// only, so no subscription (#, kp1/#, another endpoint's topic) sees them.
func (h *hook) OnSelectSubscribers(subs *mqtt.Subscribers, pk packets.Packet) *mqtt.Subscribers {
	return &mqtt.Subscribers{
		Shared:              map[string]map[string]packets.Subscription{},
		SharedSelected:      map[string]packets.Subscription{},
		Subscriptions:       map[string]packets.Subscription{},
		InlineSubscriptions: map[int]mqtt.InlineSubscription{},
	}
}

// OnPacketEncode tells v5 clients in CONNACK what KPC does not offer, so they
// do not try: retained messages and shared subscriptions, and packets over
// MaxPacketSize. (Topic aliases are not offered by omission.)
func (h *hook) OnPacketEncode(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	if pk.FixedHeader.Type != packets.Connack || pk.ReasonCode != 0 {
		return pk
	}
	pk.Properties.MaximumPacketSize = uint32(h.s.opts.maxPacketSize())
	pk.Properties.RetainAvailable, pk.Properties.RetainAvailableFlag = 0, true
	pk.Properties.SharedSubAvailable, pk.Properties.SharedSubAvailableFlag = 0, true
	return pk
}

// OnSessionEstablish registers the session before mochi takes over an
// older one of the client ID and before the CONNACK, so that a client
// connecting once this one is accepted finds the ID held. (Two CONNECTs in
// flight at the same instant may both pass OnConnect's check; the later
// then takes over.) A session whose CONNACK cannot be written gets no
// OnDisconnect from mochi: its listener releases it (Server.release).
func (h *hook) OnSessionEstablish(cl *mqtt.Client, pk packets.Packet) {
	id := anonymous
	dc := connOf(cl.Net.Conn)
	if dc != nil {
		id = dc.identity
	}
	sess := newSession(cl, id, h.s.sessionLimits(cl)) // its writer starts with the first reply
	if dc != nil {
		dc.session = sess
	}
	if !h.s.sessions.add(sess, id.mark) { // revoked while the CAP answer was on its way
		h.s.log.Info("closing session: client credentials revoked", "client", cl.ID, "tenant", id.tenant, "credentials_id", id.credentialsID)
		cl.Stop(errCredentialsRevoked)
	}
}

func (h *hook) OnDisconnect(cl *mqtt.Client, err error, expire bool) {
	if reason := closeReason(cl, err); reason != "" {
		h.s.metrics.closed.WithLabelValues(reason).Inc()
		h.s.log.Info("mqtt session closed", "client", cl.ID, "remote", cl.Net.Remote, "reason", reason)
	}
	h.s.endSession(cl)
}

// endSession forgets a client's session, if it is still registered, and
// publishes the ELCE disconnected event of its endpoints.
func (s *Server) endSession(cl *mqtt.Client) {
	sess := s.sessions.remove(cl)
	if sess == nil {
		return
	}
	if eps := sess.close(); len(eps) > 0 {
		s.publishConnectivity(ism.EventDisconnected, eps)
	}
}

// release ends what a device connection left once mochi is done with it:
// the session mochi registered but never ended (its CONNACK failed).
func (s *Server) release(dc *deviceConn) {
	if dc.session != nil {
		s.endSession(dc.session.cl)
	}
}

// OnQosComplete and OnQosDropped free a reply's place in its session's
// window and byte budget.
func (h *hook) OnQosComplete(cl *mqtt.Client, pk packets.Packet) { h.acknowledged(cl, pk.PacketID) }
func (h *hook) OnQosDropped(cl *mqtt.Client, pk packets.Packet)  { h.acknowledged(cl, pk.PacketID) }

func (h *hook) acknowledged(cl *mqtt.Client, id uint16) {
	if sess := h.s.sessions.get(cl); sess != nil {
		sess.acknowledged(id)
	}
}

// closeReason names why a session ended when KPC (not the client) ended it,
// for kaa_kpc_connections_closed_total; "" when the client left.
func closeReason(cl *mqtt.Client, err error) string {
	cause := cl.StopCause() // the first reason the connection was stopped
	if cause == nil {
		cause = err
	}
	var (
		code packets.Code
		op   *net.OpError
	)
	switch {
	case cause == nil:
		return ""
	case errors.Is(cause, errAckTimeout):
		return reasonAckTimeout
	case errors.Is(cause, errTokenRevoked):
		return reasonTokenRevoked
	case errors.Is(cause, errCredentialsRevoked):
		return reasonCredentialsRevoked
	case errors.Is(cause, errAuthRequired):
		return reasonAuthRequired
	case isTimeout(cause):
		if errors.Is(cause, errWriteFailed) || errors.As(cause, &op) && op.Op == "write" {
			return reasonWriteTimeout
		}
		return reasonKeepalive
	case errors.Is(cause, errWriteFailed):
		return reasonWriteFailed
	case errors.As(cause, &code):
		switch code.Code {
		case packets.ErrPacketTooLarge.Code:
			return reasonPacketTooLarge
		case packets.ErrSessionTakenOver.Code:
			return reasonTakenOver
		case packets.ErrServerShuttingDown.Code:
			return reasonShutdown
		}
		if code.Code >= packets.ErrUnspecifiedError.Code {
			return reasonProtocol
		}
	}
	return ""
}

// isTimeout reports a deadline error, also where a transport hides the
// standard one (gorilla's websocket wraps it).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// OnPublish relays a kp1/ request. It always returns CodeSuccessIgnore so
// mochi acknowledges the packet but routes it nowhere.
func (h *hook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	s := h.s
	sess := s.sessions.get(cl)
	if sess == nil {
		return pk, packets.CodeSuccessIgnore
	}
	sess.stats.received(len(pk.TopicName) + len(pk.Payload))
	qos := pk.FixedHeader.Qos
	if qos > 1 {
		qos = 1 // a QoS 2 request is acknowledged exactly once by mochi; its reply goes at QoS 1
	}
	req, err := kp.ParseTopic(pk.TopicName, s.appConfig().EndpointAware)
	if err != nil {
		s.metrics.rejected.WithLabelValues("malformed").Inc()
		s.metrics.request(transportMQTT, "-", http.StatusBadRequest)
		s.log.Info("malformed 1/KP topic", "client", cl.ID, "topic", loggedTopic(pk.TopicName), "error", parseErrorKind(err))
		// Reply where a client would look for it, if the topic allows that.
		if !errors.Is(err, kp.ErrNotKP) && !strings.ContainsAny(pk.TopicName, "+#") && len(pk.TopicName)+len("/error") <= kp.MaxTopicLen {
			h.replyError(sess, pk.TopicName+"/error", qos, http.StatusBadRequest, err.Error())
		}
		return pk, packets.CodeSuccessIgnore
	}
	if s.draining.Load() {
		h.replyError(sess, req.ErrorTopic(), qos, http.StatusServiceUnavailable, "server is shutting down")
		return pk, packets.CodeSuccessIgnore
	}
	appName, ok := s.appConfig().Resolve(req.AppVersion, req.Extension)
	if !ok {
		s.metrics.request(transportMQTT, "-", http.StatusNotFound)
		h.replyError(sess, req.ErrorTopic(), qos, http.StatusNotFound,
			"extension instance "+req.Extension+" is not available to application version "+req.AppVersion)
		return pk, packets.CodeSuccessIgnore
	}
	tenant := s.tenantOf(appName)
	if !s.admits(sess, tenant) {
		h.refuseUnauthenticated(sess, req, qos, tenant)
		return pk, packets.CodeSuccessIgnore
	}
	var endpointID *string
	if req.Token != "" {
		ref := sess.cached(appName, req.Token)
		if ref == nil {
			ref = h.identify(sess, appName, req, qos)
			if ref == nil {
				return pk, packets.CodeSuccessIgnore
			}
			// The policy may have changed while the token was resolved,
			// before the session acted for the tenant: enforce it now.
			if !s.admits(sess, tenant) {
				h.refuseUnauthenticated(sess, req, qos, tenant)
				s.kick(sess, packets.ErrNotAuthorized, errAuthRequired)
				return pk, packets.CodeSuccessIgnore
			}
		}
		endpointID = &ref.endpointID
	}
	if !sess.startRequest() {
		s.metrics.rejected.WithLabelValues("too_many_in_flight").Inc()
		s.metrics.request(transportMQTT, req.Extension, http.StatusTooManyRequests)
		s.log.Info("request refused: too many in flight", "client", cl.ID, "max", s.opts.MaxInFlight)
		h.replyError(sess, req.ErrorTopic(), qos, http.StatusTooManyRequests,
			"more than "+strconv.Itoa(s.opts.MaxInFlight)+" requests of this session are waiting for extensions")
		return pk, packets.CodeSuccessIgnore
	}
	s.relay(req, endpointID, pk.Payload, transportMQTT, sess.done, func(r reply) {
		sess.endRequest()
		topic := req.StatusTopic()
		if r.status >= 400 {
			if r.status == http.StatusGatewayTimeout && !req.HasRequestID {
				return // nobody waits for an answer to a request without an id
			}
			topic = req.ErrorTopic()
		}
		if !sess.enqueue(outbound{topic: topic, qos: qos, payload: replyPayload(r)}) {
			s.metrics.repliesDropped.Inc()
		}
	})
	return pk, packets.CodeSuccessIgnore
}

// identify resolves a token for a session and caches it there; on failure it
// answers the request with the provider's verdict and returns nil.
func (h *hook) identify(sess *session, appName string, req kp.Request, qos byte) *endpointRef {
	s := h.s
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-sess.done: // the client went away: stop waiting
			cancel()
		case <-ctx.Done():
		}
	}()
	mark := s.sessions.revocationMark()
	res, errReply := s.identify(ctx, appName, req.Token)
	if errReply != nil {
		s.metrics.request(transportMQTT, req.Extension, errReply.status)
		s.log.Info("endpoint token not accepted", "client", sess.cl.ID, "app", appName, "token", redactToken(req.Token),
			"status", errReply.status, "reason", redactReason(errReply.reason, req.Token))
		h.replyError(sess, req.ErrorTopic(), qos, errReply.status, errReply.reason)
		return nil
	}
	ref := &endpointRef{appName: appName, appVersion: req.AppVersion, token: req.Token, tokenID: res.tokenID, endpointID: res.endpointID}
	first := sess.remember(ref) // before bind: remove drops the indexes of what the session remembers
	current := s.sessions.bind(sess, ref, mark)
	if first {
		s.publishConnectivity(ism.EventConnected, map[string]string{ref.endpointID: ref.appVersion})
	}
	if !current { // revoked while the ECAP answer was on its way
		s.log.Info("closing session: endpoint token revoked", "client", sess.cl.ID, "endpointId", ref.endpointID)
		sess.cl.Stop(errTokenRevoked)
		return nil
	}
	return ref
}

// refuseUnauthenticated answers 401 to traffic of a tenant whose policy the
// session does not meet.
func (h *hook) refuseUnauthenticated(sess *session, req kp.Request, qos byte, tenant string) {
	s := h.s
	required := s.policies.of(tenant, sess.transport)
	s.metrics.rejected.WithLabelValues("auth_required").Inc()
	s.metrics.request(transportMQTT, req.Extension, http.StatusUnauthorized)
	s.log.Info("request refused: tenant requires client authentication", "client", sess.cl.ID, "tenant", tenant,
		"transport", sess.transport, "required", required.String())
	h.replyError(sess, req.ErrorTopic(), qos, http.StatusUnauthorized,
		"tenant "+tenant+" requires client authentication ("+required.String()+") on MQTT/"+sess.transport)
}

func (h *hook) replyError(sess *session, topic string, qos byte, status int, reason string) {
	if !sess.enqueue(outbound{topic: topic, qos: qos, payload: kp.ErrorPayload(status, reason)}) {
		h.s.metrics.repliesDropped.Inc()
	}
}
