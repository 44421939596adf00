// Package tokenprovider is a small in-memory 16/ECAP endpoint token provider:
// it answers ep-token-request from a fixed token table and, optionally,
// accepts any token (auto-registration) with a stable endpoint ID derived from
// the application and the token. It serves `kaactl up` until the durable
// credential provider exists, and tests that need a provider on NATS.
package tokenprovider

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/ism"
)

// Endpoint is one known token.
type Endpoint struct {
	AppName    string
	Token      string
	TokenID    string
	EndpointID string
}

// Options configures the provider.
type Options struct {
	// Instance is the provider instance name (Kaa's CM: "cm").
	Instance string
	// Endpoints are the known tokens.
	Endpoints []Endpoint
	// AutoRegister accepts unknown tokens as new endpoints.
	AutoRegister bool
	Logger       *slog.Logger
}

// Provider answers on kaa.v1.service.<instance>.ecap.ep-token-request.
type Provider struct {
	opts Options
	log  *slog.Logger
	nc   *nats.Conn
	sub  *nats.Subscription

	mu      sync.Mutex
	byToken map[string]Endpoint // appName + "\x00" + token
}

// New validates options.
func New(opts Options) (*Provider, error) {
	if opts.Instance == "" {
		opts.Instance = "cm"
	}
	if !ism.ValidToken(opts.Instance) {
		return nil, fmt.Errorf("token provider: instance %q is not a valid NATS subject token", opts.Instance)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p := &Provider{opts: opts, log: log.With("service", "tokenprovider", "instance", opts.Instance), byToken: map[string]Endpoint{}}
	for _, ep := range opts.Endpoints {
		p.add(ep)
	}
	return p, nil
}

func key(app, token string) string { return app + "\x00" + token }

func (p *Provider) add(ep Endpoint) Endpoint {
	if ep.TokenID == "" {
		ep.TokenID = uuid.NewSHA1(uuid.NameSpaceOID, []byte("token\x00"+key(ep.AppName, ep.Token))).String()
	}
	if ep.EndpointID == "" {
		ep.EndpointID = uuid.NewSHA1(uuid.NameSpaceOID, []byte("endpoint\x00"+key(ep.AppName, ep.Token))).String()
	}
	p.mu.Lock()
	p.byToken[key(ep.AppName, ep.Token)] = ep
	p.mu.Unlock()
	return ep
}

// Start subscribes on nc (which the caller owns).
func (p *Provider) Start(_ context.Context, nc *nats.Conn) error {
	p.nc = nc
	sub, err := nc.QueueSubscribe(ism.ServiceSubject(p.opts.Instance, ism.ProtoECAP, ism.MsgEPTokenRequest), p.opts.Instance, p.handle)
	if err != nil {
		return fmt.Errorf("token provider subscribe: %w", err)
	}
	p.sub = sub
	if nc.IsConnected() { // the subscription is live once Start returns
		_ = nc.FlushTimeout(5 * time.Second)
	}
	return nil
}

// Shutdown stops answering after the requests already received.
func (p *Provider) Shutdown(_ context.Context) error {
	if p.sub == nil {
		return nil
	}
	return p.sub.Drain()
}

// Revoke forgets a token and broadcasts the 16/ECAP revocation event.
func (p *Provider) Revoke(appName, token string) error {
	p.mu.Lock()
	ep, ok := p.byToken[key(appName, token)]
	delete(p.byToken, key(appName, token))
	p.mu.Unlock()
	if !ok {
		return fmt.Errorf("token provider: unknown token of app %q", appName)
	}
	data, err := ism.Marshal(&ism.EndpointTokenRevokedEvent{
		CorrelationID:       ism.NewCorrelationID(),
		Timestamp:           ism.NowMillis(),
		AppName:             ep.AppName,
		EndpointID:          ep.EndpointID,
		TokenIDs:            []string{ep.TokenID},
		OriginatorReplicaID: p.opts.Instance,
	})
	if err != nil {
		return err
	}
	return p.nc.Publish(ism.EventSubject(p.opts.Instance, ism.EntityEndpoint, ism.GroupToken, ism.EventRevoked), data)
}

func (p *Provider) handle(m *nats.Msg) {
	var req ism.EndpointTokenValidationRequest
	if err := ism.Unmarshal(m.Data, &req); err != nil {
		p.log.Warn("bad ep-token-request", "error", err)
		return
	}
	p.mu.Lock()
	ep, ok := p.byToken[key(req.AppName, req.Token)]
	p.mu.Unlock()
	if !ok && p.opts.AutoRegister && req.Token != "" {
		ep, ok = p.add(Endpoint{AppName: req.AppName, Token: req.Token}), true
	}
	resp := ism.EndpointTokenValidationResponse{
		CorrelationID: req.CorrelationID,
		Timestamp:     ism.NowMillis(),
		StatusCode:    http.StatusOK,
	}
	if ok {
		resp.EndpointID, resp.TokenID = &ep.EndpointID, &ep.TokenID
	} else {
		reason := "unknown endpoint token"
		resp.StatusCode, resp.ReasonPhrase = http.StatusUnauthorized, &reason
	}
	data, err := ism.Marshal(&resp)
	if err != nil {
		p.log.Warn("encode ep-token-response", "error", err)
		return
	}
	if m.Reply != "" {
		if err := p.nc.Publish(m.Reply, data); err != nil {
			p.log.Warn("reply", "error", err)
		}
	}
}
