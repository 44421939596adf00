package admin

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/ism"
)

// Defaults of the sessions clients.
const (
	// DefaultKPCInstance is KPC's service instance name.
	DefaultKPCInstance = "kpc"
	// DefaultGatherTimeout is how long a gather waits for replicas.
	DefaultGatherTimeout = 2 * time.Second
)

// Gathered is what every replica answered.
type Gathered struct {
	// Sessions of every replica that answered, by replica then age.
	Sessions []api.Session `json:"sessions"`
	// Replicas answered; Missing were seen by a peer (within api.PeerTTL)
	// but did not answer before the deadline.
	Replicas []string `json:"replicas"`
	Missing  []string `json:"missing"`
	// Total is the sessions that matched, before any limit.
	Total int `json:"total"`
}

// SessionSource lists and kicks sessions: over NATS (every replica) or a
// KPC's REST API (one replica, no kick).
type SessionSource interface {
	List(ctx context.Context, f api.SessionFilter, limit int) (*Gathered, error)
	// Kick closes the session of clientID (on replica, or wherever it is
	// when replica is "") and returns the replicas that closed one.
	Kick(ctx context.Context, replica, clientID, reason string) ([]string, error)
}

// SessionsClient is the sessions admin API of KPC over NATS: one request
// reaches every replica of Instance, and the answers are gathered until
// every replica known to have been alive has answered, or Timeout.
type SessionsClient struct {
	NC *nats.Conn
	// Instance defaults to DefaultKPCInstance.
	Instance string
	// Timeout defaults to DefaultGatherTimeout.
	Timeout time.Duration
	// PageSize is the sessions per answer (default api.DefaultSessionsPageSize).
	PageSize int
}

var _ SessionSource = (*SessionsClient)(nil)

// DialNATS connects to NATS for the admin API (token "" for none). It fails
// at once when no server is there: a command must not hang.
func DialNATS(url, token string) (*nats.Conn, error) {
	opts := []nats.Option{nats.Name("kaactl admin"), nats.Timeout(2 * time.Second), nats.MaxReconnects(2)}
	if token != "" {
		opts = append(opts, nats.Token(token))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: nats %s: %w", ErrUnreachable, redactURL(url), err)
	}
	return nc, nil
}

// redactURL drops user info (a token or password) from a URL for errors.
func redactURL(u string) string {
	if at := strings.LastIndexByte(u, '@'); at >= 0 {
		if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
			return u[:scheme+3] + "***" + u[at:]
		}
	}
	return u
}

func (c *SessionsClient) subject(msg string) string {
	return ism.ServiceSubject(cmp.Or(c.Instance, DefaultKPCInstance), api.AdminProto, msg)
}

// List gathers the sessions matching f from every replica; limit > 0 caps
// each replica's sessions.
func (c *SessionsClient) List(ctx context.Context, f api.SessionFilter, limit int) (*Gathered, error) {
	req := api.SessionsRequest{V: api.SessionsAPIVersion, Filter: f, PageSize: c.PageSize, Limit: limit}
	type progress struct{ got, pages int }
	seen := map[string]*progress{}
	g := &Gathered{Sessions: []api.Session{}}
	answered, missing, err := gather(ctx, c, api.AdminMsgSessions, req, func(p *api.SessionsPage) replicaAnswer {
		return replicaAnswer{p.Replica, p.Peers, p.Error}
	}, func(p *api.SessionsPage) bool {
		pr := seen[p.Replica]
		if pr == nil {
			pr = &progress{}
			seen[p.Replica] = pr
			g.Total += p.Total
		}
		pr.got++
		pr.pages = p.Pages
		g.Sessions = append(g.Sessions, p.Sessions...)
		return pr.got >= pr.pages
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(g.Sessions, func(a, b api.Session) int {
		return cmp.Or(cmp.Compare(a.Replica, b.Replica), a.ConnectedAt.Compare(b.ConnectedAt), cmp.Compare(a.ClientID, b.ClientID))
	})
	g.Replicas, g.Missing = answered, missing
	return g, nil
}

// Kick asks every replica to close clientID's session. It fails with
// ErrNotFound when no replica had it (naming missing replicas, which may).
func (c *SessionsClient) Kick(ctx context.Context, replica, clientID, reason string) ([]string, error) {
	req := api.KickRequest{V: api.SessionsAPIVersion, ClientID: clientID, Replica: replica, Reason: reason}
	var kicked []string
	_, missing, err := gather(ctx, c, api.AdminMsgKick, req, func(r *api.KickReply) replicaAnswer {
		return replicaAnswer{r.Replica, r.Peers, r.Error}
	}, func(r *api.KickReply) bool {
		if r.Kicked {
			kicked = append(kicked, r.Replica)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if len(kicked) == 0 {
		err := fmt.Errorf("%w: no session of client %q", ErrNotFound, clientID)
		if replica != "" {
			err = fmt.Errorf("%w: no session of client %q on replica %s", ErrNotFound, clientID, replica)
		}
		if len(missing) > 0 {
			err = fmt.Errorf("%w (%w: %s did not answer)", err, ErrReplicaMissing, strings.Join(missing, ", "))
		}
		return nil, err
	}
	slices.Sort(kicked)
	return kicked, nil
}

// replicaAnswer is what gather reads of every answer: the replica that
// sent it, the peers that replica knows, and the error it reports instead
// of an answer.
type replicaAnswer struct {
	replica string
	peers   []string
	failure string
}

// gather publishes req on the admin subject msg and decodes every answer
// into an A: head says whose it is; one without a replica is not an answer,
// one with a failure completes its replica, and every other goes to
// onAnswer, which says whether its replica has said all it will. It ends
// when every replica answered or named as a peer is complete, or at the
// deadline; it returns the replicas that answered and the peers that did
// not complete, or ErrReplica naming the failures.
func gather[A any](ctx context.Context, c *SessionsClient, msg string, req any, head func(*A) replicaAnswer, onAnswer func(*A) bool) (answered, missing []string, err error) {
	data, err := json.Marshal(req)
	if err != nil {
		return nil, nil, err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(c.Timeout, DefaultGatherTimeout))
	defer cancel()
	inbox := c.NC.NewRespInbox()
	sub, err := c.NC.SubscribeSync(inbox)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	_ = sub.SetPendingLimits(-1, 256<<20)
	if err := c.NC.PublishRequest(c.subject(msg), inbox, data); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	complete := map[string]bool{} // replica -> done; false: expected, not done
	var failures []string
	for {
		m, err := sub.NextMsgWithContext(ctx)
		if err != nil {
			if parent.Err() != nil {
				return nil, nil, parent.Err()
			}
			break // the deadline
		}
		var a A
		if err := json.Unmarshal(m.Data, &a); err != nil {
			continue // not an answer of a replica
		}
		h := head(&a)
		if h.replica == "" {
			continue
		}
		replica, peers, done := h.replica, h.peers, true
		if h.failure != "" {
			failures = append(failures, replica+": "+h.failure)
		} else {
			done = onAnswer(&a)
		}
		if done || !complete[replica] {
			complete[replica] = done
		}
		for _, p := range peers {
			if _, ok := complete[p]; !ok {
				complete[p] = false
			}
		}
		if !slices.Contains(answered, replica) {
			answered = append(answered, replica)
		}
		if allDone(complete) {
			break
		}
	}
	if len(answered) == 0 {
		return nil, nil, fmt.Errorf("%w: no KPC replica answered on %s within %v", ErrNoReplicas, c.subject(msg), cmp.Or(c.Timeout, DefaultGatherTimeout))
	}
	if len(failures) > 0 {
		return nil, nil, fmt.Errorf("%w: %s", ErrReplica, strings.Join(failures, "; "))
	}
	for r, done := range complete {
		if !done {
			missing = append(missing, r)
		}
	}
	slices.Sort(answered)
	slices.Sort(missing)
	return answered, missing, nil
}

func allDone(m map[string]bool) bool {
	for _, done := range m {
		if !done {
			return false
		}
	}
	return true
}

// ConnectivityEvent is a 9/ELCE connected or disconnected event of a KPC.
type ConnectivityEvent struct {
	Time    time.Time
	Type    string // ism.EventConnected or ism.EventDisconnected
	Replica string
	// Endpoints maps endpoint IDs to application version names.
	Endpoints map[string]string
}

// Watch delivers the instance's ELCE connectivity events until ctx ends;
// events that find the channel full are dropped.
func (c *SessionsClient) Watch(ctx context.Context) (<-chan ConnectivityEvent, error) {
	out := make(chan ConnectivityEvent, 256)
	sub, err := c.NC.Subscribe(ism.EventSubject(cmp.Or(c.Instance, DefaultKPCInstance), ism.EntityEndpoint, ism.GroupConnectivity, ism.AnyToken), func(m *nats.Msg) {
		ev := ConnectivityEvent{Type: m.Subject[strings.LastIndexByte(m.Subject, '.')+1:]}
		switch ev.Type {
		case ism.EventConnected:
			var e ism.EndpointConnected
			if ism.Unmarshal(m.Data, &e) != nil {
				return
			}
			ev.Time, ev.Replica, ev.Endpoints = time.UnixMilli(e.Timestamp), e.OriginatorReplicaID, e.Endpoints
		case ism.EventDisconnected:
			var e ism.EndpointDisconnected
			if ism.Unmarshal(m.Data, &e) != nil {
				return
			}
			ev.Time, ev.Replica, ev.Endpoints = time.UnixMilli(e.Timestamp), e.OriginatorReplicaID, e.Endpoints
		default:
			return
		}
		select {
		case out <- ev:
		default:
		}
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	if err := c.NC.Flush(); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	go func() {
		<-ctx.Done()
		_ = sub.Unsubscribe()
	}()
	return out, nil
}

// KPCClient calls one KPC replica's management REST API.
type KPCClient struct{ REST }

var _ SessionSource = (*KPCClient)(nil)

// List returns the sessions of this one replica matching f (filtered
// here: the REST API has no filters).
func (c *KPCClient) List(ctx context.Context, f api.SessionFilter, limit int) (*Gathered, error) {
	var rs api.ReplicaSessions
	if err := c.call(ctx, request{api: "kpc api", method: http.MethodGet, path: "/api/v1/sessions", want: http.StatusOK}, &rs); err != nil {
		return nil, err
	}
	g := &Gathered{Sessions: []api.Session{}, Replicas: []string{rs.ReplicaID}, Missing: []string{}}
	for _, s := range rs.Sessions {
		if s.Replica == "" {
			s.Replica = rs.ReplicaID
		}
		if f.Match(&s) {
			g.Total++
			if limit <= 0 || len(g.Sessions) < limit {
				g.Sessions = append(g.Sessions, s)
			}
		}
	}
	return g, nil
}

// Kick is not in KPC's REST API.
func (c *KPCClient) Kick(context.Context, string, string, string) ([]string, error) {
	return nil, ErrKickNeedsNATS
}
