package kpc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kp"
)

// reply is what a request gets back: from the extension, or from KPC itself.
type reply struct {
	status  int
	reason  string
	payload []byte
}

// pendingRequest waits for an extension's ExtensionData with its correlationId.
type pendingRequest struct {
	req       kp.Request
	transport string
	start     time.Time
	deliver   func(reply)     // exactly once, from whoever removes the entry
	gone      <-chan struct{} // closed when nobody can receive the reply any more (session closed, HTTP client left)
	timer     *time.Timer
	// cd is the request as sent; here rather than on its own, since
	// Marshal's interface moves it to the heap anyway (one allocation less
	// per request).
	cd ism.ClientData
}

const pendingShards = 64

// pendingTable maps correlationIds of in-flight requests to their waiters.
// Sharded because every request touches it twice.
type pendingTable struct {
	shards [pendingShards]struct {
		mu sync.Mutex
		m  map[string]*pendingRequest
	}
	n atomic.Int64
}

func newPendingTable() *pendingTable {
	t := &pendingTable{}
	for i := range t.shards {
		t.shards[i].m = make(map[string]*pendingRequest)
	}
	return t
}

func shardOf(id string) int {
	var h uint32 = 2166136261
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return int(h % pendingShards)
}

func (t *pendingTable) put(id string, p *pendingRequest) {
	sh := &t.shards[shardOf(id)]
	sh.mu.Lock()
	sh.m[id] = p
	sh.mu.Unlock()
	t.n.Add(1)
}

// take removes and returns a waiter; only one caller ever gets it.
func (t *pendingTable) take(id string) *pendingRequest {
	sh := &t.shards[shardOf(id)]
	sh.mu.Lock()
	p, ok := sh.m[id]
	if ok {
		delete(sh.m, id)
	}
	sh.mu.Unlock()
	if ok {
		t.n.Add(-1)
	}
	return p
}

func (t *pendingTable) len() int64 { return t.n.Load() }

// awaited counts the requests whose requester can still get the answer: the
// ones a drain waits for.
func (t *pendingTable) awaited() int {
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for _, p := range sh.m {
			select {
			case <-p.gone:
			default:
				n++
			}
		}
		sh.mu.Unlock()
	}
	return n
}

// relay sends a request to its extension over 4/ESP and arranges for deliver
// to be called once with the answer, a timeout, or a send error. gone closes
// when the requester can no longer receive it (a shutdown stops waiting then).
func (s *Server) relay(req kp.Request, endpointID *string, payload []byte, transport string, gone <-chan struct{}, deliver func(reply)) {
	start := time.Now()
	p := &pendingRequest{req: req, transport: transport, start: start, deliver: deliver, gone: gone}
	cd := &p.cd
	*cd = ism.ClientData{
		CorrelationID:  ism.NewCorrelationID(),
		Timestamp:      start.UnixMilli(),
		Timeout:        s.opts.RequestTimeout.Milliseconds(),
		AppVersionName: req.AppVersion,
		EndpointID:     endpointID,
		ResourcePath:   req.ResourcePath,
		Payload:        payload,
	}
	if req.HasRequestID {
		cd.RequestID = &p.req.RequestID
	}
	data, err := ism.Marshal(cd)
	cd.Payload = nil // held until the answer: not the payload too
	if err != nil {
		s.metrics.natsErrors.WithLabelValues("encode").Inc()
		deliver(reply{status: http.StatusInternalServerError, reason: "cannot encode request"})
		return
	}
	s.pending.put(cd.CorrelationID, p)
	p.timer = time.AfterFunc(s.opts.RequestTimeout, func() {
		if p := s.pending.take(cd.CorrelationID); p != nil {
			p.deliver(reply{status: http.StatusGatewayTimeout, reason: "extension " + req.Extension + " did not answer in time"})
			s.observe(p, http.StatusGatewayTimeout)
		}
	})
	msg := &nats.Msg{
		Subject: s.espSubject(req.Extension),
		Reply:   requestReplySubject(s.espReplySubject, cd.CorrelationID),
		Data:    data,
	}
	if err := s.nc.PublishMsg(msg); err != nil {
		s.metrics.natsErrors.WithLabelValues("publish").Inc()
		if p := s.pending.take(cd.CorrelationID); p != nil {
			p.timer.Stop()
			p.deliver(reply{status: http.StatusServiceUnavailable, reason: "messaging unavailable"})
			s.observe(p, http.StatusServiceUnavailable)
		}
	}
}

// maxESPSubjects bounds the extension subjects espSubject remembers: the
// extensions an application config allows, so few.
const maxESPSubjects = 1024

// espSubject is the 4/ESP ClientData subject of an extension instance,
// built once per instance instead of once per request.
func (s *Server) espSubject(ext string) string {
	if v, ok := s.espSubjects.Load(ext); ok {
		return v.(string)
	}
	subj := ism.ServiceSubject(ext, ism.ProtoESP, ism.MsgClientData)
	if s.espSubjectsN.Load() < maxESPSubjects {
		if _, loaded := s.espSubjects.LoadOrStore(ext, subj); !loaded {
			s.espSubjectsN.Add(1)
		}
	}
	return subj
}

func (s *Server) observe(p *pendingRequest, status int) {
	s.metrics.request(p.transport, p.req.Extension, status)
	s.metrics.latency.WithLabelValues(p.transport).Observe(time.Since(p.start).Seconds())
}

// onReplicaMessage handles everything addressed to this replica.
func (s *Server) onReplicaMessage(m *nats.Msg) {
	switch {
	case m.Subject == s.espReplySubject:
		s.onExtensionData(m, true)
	case strings.HasPrefix(m.Subject, s.espReplySubject+"."):
		s.onRequestReply(m, m.Subject[len(s.espReplySubject)+1:])
	case m.Subject == s.ecapReplySubject:
		s.onTokenResponse(m)
	case strings.HasPrefix(m.Subject, s.ecapReplySubject+"."):
		s.onTokenReply(m, m.Subject[len(s.ecapReplySubject)+1:])
	case m.Subject == s.capBasicReplySubject:
		s.onBasicResponse(m)
	case m.Subject == s.capCertReplySubject:
		s.onCertificateResponse(m)
	default:
		s.log.Debug("unexpected replica message", "subject", m.Subject)
	}
}

// onExtensionData routes an ExtensionData to the request it answers, or, when
// it answers none, to the session of its endpoint (extension-initiated).
func (s *Server) onExtensionData(m *nats.Msg, replica bool) {
	var ed ism.ExtensionData
	if !s.decode(m, &ed, "ExtensionData") {
		return
	}
	r := reply{status: int(ed.StatusCode), payload: ed.Payload}
	if ed.ReasonPhrase != nil {
		r.reason = *ed.ReasonPhrase
	}
	if replica {
		if p := s.pending.take(ed.CorrelationID); p != nil {
			p.timer.Stop()
			p.deliver(r)
			s.observe(p, r.status)
			return
		}
		if ed.RequestID != nil {
			// The request timed out and was already answered with 504.
			s.metrics.lateReplies.Inc()
			s.log.Debug("late extension reply dropped", "correlationId", ed.CorrelationID)
			return
		}
	}
	s.deliverToEndpoint(&ed, r)
}

// deliverToEndpoint writes an extension-initiated message to every session of
// this replica that acts for the endpoint.
func (s *Server) deliverToEndpoint(ed *ism.ExtensionData, r reply) {
	if ed.EndpointID == nil || ed.ExtensionInstanceName == nil {
		s.log.Debug("extension-initiated message without endpoint or extension dropped", "correlationId", ed.CorrelationID)
		return
	}
	for _, sess := range s.sessions.forEndpoint(*ed.EndpointID) {
		ref := sess.endpoint(*ed.EndpointID)
		if ref == nil {
			continue
		}
		app := ref.appVersion
		if ed.AppVersionName != nil && *ed.AppVersionName != "" {
			app = *ed.AppVersionName
		}
		topic := kp.ReplyTopic(app, *ed.ExtensionInstanceName, ref.token, ed.ResourcePath, r.status)
		if len(topic) > kp.MaxTopicLen { // MQTT cannot carry it
			s.metrics.repliesDropped.Inc()
			continue
		}
		if !sess.enqueue(outbound{topic: topic, qos: 1, payload: replyPayload(r)}) {
			s.metrics.repliesDropped.Inc()
		}
	}
}

// replyPayload is the MQTT payload of a reply: the extension's payload on
// success, the 1/KP error body on failure.
func replyPayload(r reply) []byte {
	if r.status >= 400 {
		return kp.ErrorPayload(r.status, r.reason)
	}
	return r.payload
}

// errTokenTimeout means the ECAP provider did not answer in time.
var errTokenTimeout = errors.New("endpoint token provider did not answer in time")

// tokenResult is a provider's verdict on a token.
type tokenResult struct {
	endpointID string
	tokenID    string
	status     int
	reason     string
}

// resolveToken asks the 16/ECAP provider which endpoint a token identifies.
func (s *Server) resolveToken(ctx context.Context, appName, token string) (tokenResult, error) {
	req := ism.EndpointTokenValidationRequest{
		CorrelationID: ism.NewCorrelationID(),
		Timestamp:     ism.NowMillis(),
		Timeout:       s.opts.RequestTimeout.Milliseconds(),
		AppName:       appName,
		Token:         token,
	}
	data, err := ism.Marshal(&req)
	if err != nil {
		return tokenResult{}, fmt.Errorf("encode token request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
	defer cancel()
	r, err := s.tokenReplies.await(ctx, req.CorrelationID, func() error {
		return s.request(ism.ServiceSubject(s.opts.ECAPProvider, ism.ProtoECAP, ism.MsgEPTokenRequest),
			requestReplySubject(s.ecapReplySubject, req.CorrelationID), data)
	})
	switch {
	case errors.Is(err, errNoAnswer):
		return tokenResult{}, errTokenTimeout
	case err != nil:
		return tokenResult{}, fmt.Errorf("send token request: %w", err)
	}
	return r, nil
}

func (s *Server) onTokenResponse(m *nats.Msg) {
	var resp ism.EndpointTokenValidationResponse
	if !s.decode(m, &resp, "ep-token-response") {
		return
	}
	r := tokenResult{status: int(resp.StatusCode)}
	if resp.EndpointID != nil {
		r.endpointID = *resp.EndpointID
	}
	if resp.TokenID != nil {
		r.tokenID = *resp.TokenID
	}
	if resp.ReasonPhrase != nil {
		r.reason = *resp.ReasonPhrase
	}
	// A success without an endpoint is no identification at all.
	if r.status < 300 && r.endpointID == "" {
		r.status, r.reason = http.StatusForbidden, "token provider returned no endpoint"
	}
	s.tokenReplies.deliver(resp.CorrelationID, r)
}

// identifyCached is identify through the token cache (1/KP over HTTP).
func (s *Server) identifyCached(ctx context.Context, appName, token string) (tokenResult, *reply) {
	res, gen, ok := s.tokens.get(appName, token)
	if ok {
		s.metrics.tokenCache.WithLabelValues("hit").Inc()
		return res, nil
	}
	if s.tokens != nil {
		s.metrics.tokenCache.WithLabelValues("miss").Inc()
	}
	res, errReply := s.identify(ctx, appName, token)
	if errReply == nil {
		s.tokens.put(appName, token, res, gen)
	}
	return res, errReply
}

// identify resolves a token to an endpoint, or returns the error reply.
func (s *Server) identify(ctx context.Context, appName, token string) (tokenResult, *reply) {
	res, err := s.resolveToken(ctx, appName, token)
	switch {
	case errors.Is(err, errTokenTimeout):
		return res, &reply{status: http.StatusGatewayTimeout, reason: err.Error()}
	case err != nil:
		return res, &reply{status: http.StatusServiceUnavailable, reason: "endpoint token provider unreachable"}
	case res.status >= 300:
		status := res.status
		if status < 400 || status >= 600 {
			status = http.StatusForbidden
		}
		reason := res.reason
		if reason == "" {
			reason = "endpoint token rejected"
		}
		return res, &reply{status: status, reason: reason}
	}
	return res, nil
}
