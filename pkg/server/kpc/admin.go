package kpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/ism"
)

// kickWait bounds how long a kick waits for the session to be gone before
// it answers, so that a listing right after it no longer shows it.
const kickWait = 2 * time.Second

// adminAPI serves the sessions admin API over NATS (see pkg/api): every
// replica answers, so a client gathers all of them with one request. NATS
// credentials are its authorization: only holders can reach the subjects.
type adminAPI struct {
	s       *Server
	started time.Time
	kicks   prometheus.Counter
	subs    []*nats.Subscription

	mu    sync.Mutex
	peers map[string]time.Time // replica -> last presence heard

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

func adminSubject(s *Server, msg string) string {
	return ism.ServiceSubject(s.opts.Instance, api.AdminProto, msg)
}

// startAdmin subscribes to the admin subjects and starts announcing the
// replica; stopAdmin undoes it.
func (s *Server) startAdmin() error {
	a := &adminAPI{
		s: s, started: time.Now(), peers: make(map[string]time.Time), stop: make(chan struct{}),
		kicks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kaa_kpc_sessions_kicked_total", Help: "Sessions closed through the admin API.",
		}),
	}
	if err := s.metrics.reg.Register(a.kicks); err != nil {
		return fmt.Errorf("admin metrics: %w", err)
	}
	for msg, fn := range map[string]nats.MsgHandler{
		api.AdminMsgSessions: a.onSessions,
		api.AdminMsgKick:     a.onKick,
		api.AdminMsgPresence: a.onPresence,
	} {
		sub, err := s.nc.Subscribe(adminSubject(s, msg), fn)
		if err != nil {
			a.unsubscribe()
			return fmt.Errorf("subscribe %s: %w", adminSubject(s, msg), err)
		}
		a.subs = append(a.subs, sub)
	}
	s.admin = a
	a.wg.Add(1)
	go a.announce()
	return nil
}

func (s *Server) stopAdmin() {
	if a := s.admin; a != nil {
		a.stopOnce.Do(func() { close(a.stop) })
		a.wg.Wait()
		a.unsubscribe()
	}
}

func (a *adminAPI) unsubscribe() {
	for _, sub := range a.subs {
		_ = sub.Unsubscribe()
	}
}

// announce publishes the replica's presence now and every PresenceInterval.
func (a *adminAPI) announce() {
	defer a.wg.Done()
	t := time.NewTicker(api.PresenceInterval)
	defer t.Stop()
	for !a.s.nc.IsClosed() {
		a.publishPresence()
		select {
		case <-a.stop:
			return
		case <-t.C:
		}
	}
}

func (a *adminAPI) publishPresence() {
	data, _ := json.Marshal(api.Presence{V: api.SessionsAPIVersion, Replica: a.s.opts.ReplicaID, Sessions: a.s.sessions.len(), Started: a.started})
	if err := a.s.nc.Publish(adminSubject(a.s, api.AdminMsgPresence), data); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		a.s.metrics.natsErrors.WithLabelValues("publish").Inc()
	}
}

// onPresence remembers a peer; a new one hears from this replica at once,
// so that it knows its peers before their next announcement.
func (a *adminAPI) onPresence(m *nats.Msg) {
	var p api.Presence
	if len(m.Data) > api.MaxAdminRequest || json.Unmarshal(m.Data, &p) != nil || !ism.ValidToken(p.Replica) {
		a.s.metrics.natsErrors.WithLabelValues("decode").Inc()
		return
	}
	if p.Replica == a.s.opts.ReplicaID {
		return
	}
	a.mu.Lock()
	_, known := a.peers[p.Replica]
	a.peers[p.Replica] = time.Now()
	a.mu.Unlock()
	if !known {
		a.s.log.Info("kpc peer seen", "peer", p.Replica)
		a.publishPresence()
	}
}

// peerList is the replicas heard from within PeerTTL, sorted.
func (a *adminAPI) peerList() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, 0, len(a.peers))
	for id, seen := range a.peers {
		if time.Since(seen) > api.PeerTTL {
			delete(a.peers, id)
			continue
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// decode reads a bounded, versioned admin request.
func decodeAdmin(m *nats.Msg, v any, version func() int) error {
	if len(m.Data) > api.MaxAdminRequest {
		return fmt.Errorf("request over %d bytes", api.MaxAdminRequest)
	}
	if err := json.Unmarshal(m.Data, v); err != nil {
		return fmt.Errorf("bad request: %w", err)
	}
	if got := version(); got != api.SessionsAPIVersion {
		return fmt.Errorf("unsupported admin api version %d (this replica speaks %d)", got, api.SessionsAPIVersion)
	}
	return nil
}

func (a *adminAPI) reply(m *nats.Msg, v any) {
	data, err := json.Marshal(v)
	if err == nil {
		err = a.s.nc.Publish(m.Reply, data)
	}
	if err != nil {
		a.s.metrics.natsErrors.WithLabelValues("publish").Inc()
		a.s.log.Warn("admin reply not sent", "subject", m.Subject, "error", err)
	}
}

// onSessions answers a SessionsRequest with one or more SessionsPages.
func (a *adminAPI) onSessions(m *nats.Msg) {
	if m.Reply == "" {
		return
	}
	page := api.SessionsPage{V: api.SessionsAPIVersion, Replica: a.s.opts.ReplicaID, Pages: 1, Peers: a.peerList(), Sessions: []api.Session{}}
	var req api.SessionsRequest
	if err := decodeAdmin(m, &req, func() int { return req.V }); err != nil {
		page.Error = err.Error()
		a.reply(m, page)
		return
	}
	size := req.PageSize
	if size <= 0 {
		size = api.DefaultSessionsPageSize
	}
	size = min(size, api.MaxSessionsPageSize)
	all := a.s.sessionInfos(req.Filter)
	page.Total = len(all)
	if req.Limit > 0 && len(all) > req.Limit {
		all = all[:req.Limit]
	}
	page.Pages = max(1, (len(all)+size-1)/size)
	for page.Page = 0; page.Page < page.Pages; page.Page++ {
		lo := page.Page * size
		page.Sessions = all[lo:min(lo+size, len(all))]
		a.reply(m, page)
	}
}

// onKick closes the session of a client on this replica, if it has one.
func (a *adminAPI) onKick(m *nats.Msg) {
	r := api.KickReply{V: api.SessionsAPIVersion, Replica: a.s.opts.ReplicaID, Peers: a.peerList()}
	var req api.KickRequest
	err := decodeAdmin(m, &req, func() int { return req.V })
	switch {
	case err != nil:
		r.Error = err.Error()
	case req.ClientID == "":
		r.Error = "no client id"
	case req.Replica == "" || req.Replica == a.s.opts.ReplicaID:
		r.Kicked = a.kick(req.ClientID, req.Reason)
	}
	if m.Reply != "" {
		a.reply(m, r)
	}
}

// kick disconnects the client (MQTT 5 clients get reason 0x98,
// administrative action) and waits for its session to close, which publishes
// its ELCE disconnected event.
func (a *adminAPI) kick(clientID, reason string) bool {
	if a.s.mqtt == nil {
		return false
	}
	cl, ok := a.s.mqtt.Clients.Get(clientID)
	if !ok {
		return false
	}
	sess := a.s.sessions.get(cl)
	if sess == nil {
		return false
	}
	a.s.log.Info("session kicked", "client", clientID, "remote", cl.Net.Remote, "reason", reason)
	a.kicks.Inc()
	// Off this goroutine: the DISCONNECT write may stall on a stalled client.
	go func(cl *mqtt.Client) { _ = a.s.mqtt.DisconnectClient(cl, packets.ErrAdministrativeAction) }(cl)
	select {
	case <-sess.done:
	case <-time.After(kickWait):
		cl.Stop(packets.ErrAdministrativeAction) // closing the connection ends a stalled write
	}
	return true
}
