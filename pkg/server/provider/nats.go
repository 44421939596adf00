package provider

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/ism"
)

// Event groups of 22/CAP credentials revoked events.
const (
	groupBasic       = ism.GroupBasic
	groupCertificate = ism.GroupCertificate
)

// subscribe subscribes the request handlers; on error it undoes what it did.
func (p *Provider) subscribe(nc *nats.Conn) ([]*nats.Subscription, error) {
	type route struct {
		subj, queue string
		fn          func(*nats.Msg)
	}
	routes := []route{
		{ism.ServiceSubject(p.opts.Instance, ism.ProtoECAP, ism.MsgEPTokenRequest), p.opts.Instance, answer(p, "ep-token-request", p.answerToken)},
		{ism.ServiceSubject(p.opts.CAPInstance, ism.ProtoCAP, ism.MsgBasicRequest), p.opts.CAPInstance, answer(p, "basic-request", p.answerBasic)},
		{ism.ServiceSubject(p.opts.CAPInstance, ism.ProtoCAP, ism.MsgCertificateRequest), p.opts.CAPInstance, answer(p, "certificate-request", p.answerCertificate)},
	}
	var subs []*nats.Subscription
	for _, r := range routes {
		sub, err := nc.QueueSubscribe(r.subj, r.queue, p.async(r.fn))
		if err != nil {
			for _, s := range subs {
				_ = s.Unsubscribe()
			}
			return nil, fmt.Errorf("provider subscribe %s: %w", r.subj, err)
		}
		subs = append(subs, sub)
	}
	if nc.IsConnected() { // the subscriptions are live once Start returns
		_ = nc.FlushTimeout(5 * time.Second)
	}
	return subs, nil
}

// async runs fn on a worker of its own once one of the maxInFlight slots is
// free: NATS calls a subscription's handler serially, and one store write
// (or legacy bcrypt comparison) must not hold up the requests behind it.
// The workers are reused (workpool), so a request does not grow a new
// goroutine's stack through bbolt, JSON and Avro again.
func (p *Provider) async(fn func(*nats.Msg)) nats.MsgHandler {
	return func(m *nats.Msg) {
		select {
		case p.slots <- struct{}{}:
		case <-p.stopping:
			return
		}
		p.workers.Go(func() {
			defer func() { <-p.slots }()
			fn(m)
		})
	}
}

// reply encodes resp and publishes it to the request's reply subject.
func (p *Provider) reply(m *nats.Msg, what string, resp any) {
	if m.Reply == "" {
		p.log.Warn("request without reply subject", "request", what, "subject", m.Subject)
		return
	}
	data, err := ism.Marshal(resp)
	if err != nil {
		p.log.Error("encode response", "request", what, "error", err)
		return
	}
	if err := m.Respond(data); err != nil {
		p.log.Warn("send response", "request", what, "error", err)
	}
}

// answer handles one kind of request (what, in logs): it decodes the
// request and publishes what respond makes of it to the reply subject; a
// request that does not decode is logged and dropped.
func answer[Req any](p *Provider, what string, respond func(*Req) any) func(*nats.Msg) {
	return func(m *nats.Msg) {
		var req Req
		if err := ism.Unmarshal(m.Data, &req); err != nil {
			p.log.Warn("bad request", "request", what, "subject", m.Subject, "error", err)
			return
		}
		p.reply(m, what, respond(&req))
	}
}

func (p *Provider) answerToken(req *ism.EndpointTokenValidationRequest) any {
	res := p.resolveToken(req.AppName, req.Token)
	resp := ism.EndpointTokenValidationResponse{
		CorrelationID: req.CorrelationID,
		Timestamp:     ism.NowMillis(),
		StatusCode:    res.status,
	}
	if res.status == http.StatusOK {
		resp.EndpointID, resp.TokenID = &res.ep.ID, &res.ep.TokenID
	} else {
		resp.ReasonPhrase = &res.reason
	}
	return &resp
}

func (p *Provider) answerBasic(req *ism.BasicAuthenticationRequest) any {
	resp := ism.BasicAuthenticationResponse{
		CorrelationID: req.CorrelationID,
		Timestamp:     ism.NowMillis(),
	}
	tenant, username := req.TenantID, req.Username
	if i := strings.LastIndexByte(username, '@'); tenant == "" && i >= 0 {
		// A consumer that did not split Kaa's "user@tenantId" MQTT username.
		tenant, username = username[i+1:], username[:i]
	}
	cred, ok, err := p.authenticateBasic(tenant, username, req.Password)
	resp.StatusCode, resp.ReasonPhrase = p.capVerdict("basic", ok, err, "invalid username or password", "tenant", tenant, "username", username)
	if resp.StatusCode == http.StatusOK {
		resp.CredentialsID, resp.ClientID = &cred.ID, &cred.ClientID
	}
	return &resp
}

func (p *Provider) answerCertificate(req *ism.CertificateAuthenticationRequest) any {
	resp := ism.CertificateAuthenticationResponse{
		CorrelationID: req.CorrelationID,
		Timestamp:     ism.NowMillis(),
	}
	cred, ok, err := p.authenticateCert(req.Issuer, req.SerialNumber)
	resp.StatusCode, resp.ReasonPhrase = p.capVerdict("certificate", ok, err, "unknown or revoked certificate", "issuer", req.Issuer, "serial", req.SerialNumber)
	if resp.StatusCode == http.StatusOK {
		resp.TenantID, resp.CredentialsID = &cred.Tenant, &cred.ID
	}
	return &resp
}

// capVerdict is the status code and reason phrase of a 22/CAP answer to a
// method ("basic", "certificate") authentication that failed (err: 500),
// was refused (!ok: 401, refused) or passed; args describe the request in
// the logs.
func (p *Provider) capVerdict(method string, ok bool, err error, refused string, args ...any) (int32, *string) {
	switch {
	case err != nil:
		p.log.Error(method+" authentication failed", append(args, "error", err)...)
		return http.StatusInternalServerError, ptr("internal error")
	case !ok:
		p.log.Debug(method+" authentication refused", args...)
		return http.StatusUnauthorized, ptr(refused)
	}
	return http.StatusOK, nil
}

// publishTokenRevoked broadcasts the 16/ECAP endpoint token revoked event.
func (p *Provider) publishTokenRevoked(ep Endpoint) error {
	return p.publish(ism.EventSubject(p.opts.Instance, ism.EntityEndpoint, ism.GroupToken, ism.EventRevoked),
		&ism.EndpointTokenRevokedEvent{
			CorrelationID:       ism.NewCorrelationID(),
			Timestamp:           ism.NowMillis(),
			AppName:             ep.App,
			EndpointID:          ep.ID,
			TokenIDs:            []string{ep.TokenID},
			OriginatorReplicaID: p.opts.ReplicaID,
		})
}

// publishCredentialsRevoked broadcasts the 22/CAP credentials revoked event
// of group groupBasic or groupCertificate.
func (p *Provider) publishCredentialsRevoked(group, tenant, id string) error {
	return p.publish(ism.EventSubject(p.opts.CAPInstance, ism.EntityClientCredentials, group, ism.EventRevoked),
		&ism.CredentialsRevokedEvent{
			CorrelationID:       ism.NewCorrelationID(),
			Timestamp:           ism.NowMillis(),
			TenantID:            tenant,
			CredentialsID:       id,
			OriginatorReplicaID: p.opts.ReplicaID,
		})
}

// publish encodes an event (Avro) and sends it once started.
func (p *Provider) publish(subject string, event any) error {
	data, err := ism.Marshal(event)
	if err != nil {
		return fmt.Errorf("encode event %s: %w", subject, err)
	}
	return p.publishData(subject, data)
}

// publishData sends an event once started; before Start there is nobody to
// tell (no session can use the store's credentials without a started
// provider).
func (p *Provider) publishData(subject string, data []byte) error {
	nc := p.conn()
	if nc == nil {
		p.log.Debug("not started: event not published", "subject", subject)
		return nil
	}
	if err := nc.Publish(subject, data); err != nil {
		return fmt.Errorf("change saved but event %s not published: %w", subject, err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
