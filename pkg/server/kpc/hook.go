package kpc

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"

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
	return bytes.Contains([]byte{
		mqtt.OnConnectAuthenticate,
		mqtt.OnACLCheck,
		mqtt.OnSessionEstablished,
		mqtt.OnDisconnect,
		mqtt.OnPublish,
		mqtt.OnSelectSubscribers,
	}, []byte{b})
}

// OnConnectAuthenticate admits anonymous clients (client authentication via
// 22/CAP comes with the TLS work) and refuses new ones while draining.
func (h *hook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	return !h.s.draining.Load()
}

// OnACLCheck lets clients publish only under kp1/. Subscriptions are allowed
// (Kaa's Node.js client subscribes to its reply topics) but never deliver
// anything: see OnSelectSubscribers.
func (h *hook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	if write && !strings.HasPrefix(topic, kp.Prefix+"/") {
		h.s.metrics.rejected.WithLabelValues("not_kp1").Inc()
		h.s.log.Info("publish outside kp1/ rejected", "client", cl.ID, "topic", topic)
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

func (h *hook) OnSessionEstablished(cl *mqtt.Client, pk packets.Packet) {
	sess := newSession(cl)
	h.s.sessions.add(sess) // its writer starts with the first reply
}

func (h *hook) OnDisconnect(cl *mqtt.Client, err error, expire bool) {
	sess := h.s.sessions.remove(cl)
	if sess == nil {
		return
	}
	if eps := sess.close(); len(eps) > 0 {
		h.s.publishConnectivity(ism.EventDisconnected, eps)
	}
}

// OnPublish relays a kp1/ request. It always returns CodeSuccessIgnore so
// mochi acknowledges the packet but routes it nowhere.
func (h *hook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	s := h.s
	sess := s.sessions.get(cl)
	if sess == nil {
		return pk, packets.CodeSuccessIgnore
	}
	qos := pk.FixedHeader.Qos
	if qos > 1 {
		qos = 1
	}
	req, err := kp.ParseTopic(pk.TopicName, s.appConfig().EndpointAware)
	if err != nil {
		s.metrics.rejected.WithLabelValues("malformed").Inc()
		s.metrics.request(transportMQTT, "-", http.StatusBadRequest)
		s.log.Info("malformed 1/KP topic", "client", cl.ID, "topic", pk.TopicName, "error", err)
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
	var endpointID *string
	if req.Token != "" {
		ref := sess.cached(appName, req.Token)
		if ref == nil {
			ref = h.identify(sess, appName, req, qos)
			if ref == nil {
				return pk, packets.CodeSuccessIgnore
			}
		}
		endpointID = &ref.endpointID
	}
	s.relay(req, endpointID, pk.Payload, transportMQTT, sess.done, func(r reply) {
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
	res, errReply := s.identify(ctx, appName, req.Token)
	if errReply != nil {
		s.metrics.request(transportMQTT, req.Extension, errReply.status)
		s.log.Info("endpoint token not accepted", "client", sess.cl.ID, "app", appName, "status", errReply.status, "reason", errReply.reason)
		h.replyError(sess, req.ErrorTopic(), qos, errReply.status, errReply.reason)
		return nil
	}
	ref := &endpointRef{appName: appName, appVersion: req.AppVersion, token: req.Token, tokenID: res.tokenID, endpointID: res.endpointID}
	if sess.remember(ref) {
		s.sessions.bind(sess, ref)
		s.publishConnectivity(ism.EventConnected, map[string]string{ref.endpointID: ref.appVersion})
	} else {
		s.sessions.bind(sess, ref)
	}
	return ref
}

func (h *hook) replyError(sess *session, topic string, qos byte, status int, reason string) {
	if !sess.enqueue(outbound{topic: topic, qos: qos, payload: kp.ErrorPayload(status, reason)}) {
		h.s.metrics.repliesDropped.Inc()
	}
}
