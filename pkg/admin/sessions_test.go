package admin_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// twoReplicas is the platform (its KPC is replica r1) and a second replica
// r2 on the same NATS, each with devices: dev-a and dev-b on r1, dev-c on r2.
// startTwoReplicas returns once a gather hears both.
type twoReplicas struct {
	p      *platform.Platform
	r2     *kpc.Server
	eps    map[string]string // client ID -> endpoint ID
	client *admin.SessionsClient
}

func startTwoReplicas(t *testing.T) *twoReplicas {
	t.Helper()
	p := platformtest.Start(t, platformtest.KPC(func(o *kpc.Options) { o.ReplicaID = "r1" }))
	r2 := platformtest.Replica(t, p, func(o *kpc.Options) { o.ReplicaID = "r2" })
	tr := &twoReplicas{p: p, r2: r2, eps: map[string]string{}}
	for id, addr := range map[string]string{"dev-a": p.KPC().MQTTAddr(), "dev-b": p.KPC().MQTTAddr(), "dev-c": r2.MQTTAddr()} {
		_, tr.eps[id] = platformtest.Device(t, p, addr, id)
	}
	tr.client = &admin.SessionsClient{NC: testenv.Conn(t, p.NATSURL()), Timeout: 3 * time.Second}
	// Both replicas know each other once they heard the other's presence.
	testenv.Eventually(t, 5*time.Second, "replicas see each other", func() bool {
		g, err := tr.client.List(context.Background(), api.SessionFilter{}, 0)
		return err == nil && len(g.Replicas) == 2
	})
	return tr
}

func clientIDs(ss []api.Session) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Replica+"/"+s.ClientID)
	}
	return out
}

func TestSessionsGather(t *testing.T) {
	tr := startTwoReplicas(t)
	ctx := context.Background()
	g, err := tr.client.List(ctx, api.SessionFilter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := clientIDs(g.Sessions), []string{"r1/dev-a", "r1/dev-b", "r2/dev-c"}; !slices.Equal(sortedCopy(got), want) {
		t.Fatalf("sessions %v, want %v", got, want)
	}
	if !slices.Equal(g.Replicas, []string{"r1", "r2"}) || len(g.Missing) != 0 || g.Total != 3 {
		t.Errorf("replicas %v missing %v total %d", g.Replicas, g.Missing, g.Total)
	}
	for _, s := range g.Sessions {
		if s.Transport != "mqtt" || s.Tenant != platform.DemoTenant || s.Remote == "" || s.ConnectedAt.IsZero() ||
			s.MsgsIn != 1 || s.MsgsOut != 1 || s.BytesIn == 0 || s.BytesOut == 0 || s.LastActivity.Before(s.ConnectedAt) {
			t.Errorf("session %+v", s)
		}
		if len(s.Endpoints) != 1 || s.Endpoints[0].EndpointID != tr.eps[s.ClientID] || s.Endpoints[0].AppName != platform.DemoApp || s.Endpoints[0].AppVersion != platform.DemoAppVersion {
			t.Errorf("%s endpoints %+v, want %s", s.ClientID, s.Endpoints, tr.eps[s.ClientID])
		}
	}

	tests := []struct {
		name   string
		filter api.SessionFilter
		want   []string
	}{
		{"client", api.SessionFilter{ClientID: "dev-c"}, []string{"r2/dev-c"}},
		{"endpoint", api.SessionFilter{EndpointID: tr.eps["dev-b"]}, []string{"r1/dev-b"}},
		{"app", api.SessionFilter{App: platform.DemoApp}, []string{"r1/dev-a", "r1/dev-b", "r2/dev-c"}},
		{"unknown app", api.SessionFilter{App: "nope"}, nil},
		{"tenant", api.SessionFilter{Tenant: "other"}, nil},
		{"transport", api.SessionFilter{Transport: "ws"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := tr.client.List(ctx, tt.filter, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := clientIDs(g.Sessions); !slices.Equal(sortedCopy(got), tt.want) || len(g.Replicas) != 2 {
				t.Errorf("sessions %v from %v, want %v", got, g.Replicas, tt.want)
			}
		})
	}

	t.Run("paged and limited", func(t *testing.T) {
		c := *tr.client
		c.PageSize = 1
		g, err := c.List(ctx, api.SessionFilter{}, 0)
		if err != nil || len(g.Sessions) != 3 {
			t.Fatalf("pages of 1: %v, %v", g, err)
		}
		g, err = c.List(ctx, api.SessionFilter{}, 1)
		if err != nil || len(g.Sessions) != 2 || g.Total != 3 {
			t.Fatalf("limit 1 per replica: %+v, %v", g, err)
		}
	})

	t.Run("REST fallback", func(t *testing.T) {
		c := &admin.KPCClient{REST: admin.REST{BaseURL: "http://" + tr.r2.RESTAddr(), Token: tr.p.AdminToken()}}
		g, err := c.List(ctx, api.SessionFilter{}, 0)
		if err != nil || !slices.Equal(clientIDs(g.Sessions), []string{"r2/dev-c"}) || !slices.Equal(g.Replicas, []string{"r2"}) {
			t.Fatalf("rest: %+v, %v", g, err)
		}
		if _, err := c.Kick(ctx, "", "dev-c", ""); !errors.Is(err, admin.ErrKickNeedsNATS) {
			t.Errorf("rest kick: %v", err)
		}
	})
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestSessionsKick(t *testing.T) {
	tr := startTwoReplicas(t)
	ctx := context.Background()
	events := make(chan *nats.Msg, 16)
	nc := testenv.Conn(t, tr.p.NATSURL())
	if _, err := nc.ChanSubscribe(ism.EventSubject(kpc.DefaultInstance, ism.EntityEndpoint, ism.GroupConnectivity, ism.EventDisconnected), events); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	kicked, err := tr.client.Kick(ctx, "", "dev-c", "test kick")
	if err != nil || !slices.Equal(kicked, []string{"r2"}) {
		t.Fatalf("kick: %v, %v", kicked, err)
	}
	select {
	case m := <-events:
		var ev ism.EndpointDisconnected
		if err := ism.Unmarshal(m.Data, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.OriginatorReplicaID != "r2" || len(ev.Endpoints) != 1 || ev.Endpoints[tr.eps["dev-c"]] != platform.DemoAppVersion {
			t.Errorf("disconnected event %+v, want endpoint %s of r2", ev, tr.eps["dev-c"])
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no ELCE disconnected event")
	}
	g, err := tr.client.List(ctx, api.SessionFilter{}, 0)
	if err != nil || !slices.Equal(sortedCopy(clientIDs(g.Sessions)), []string{"r1/dev-a", "r1/dev-b"}) {
		t.Fatalf("after kick: %v, %v", g, err)
	}
	select {
	case m := <-events:
		t.Errorf("a second disconnected event: %s", m.Subject)
	default:
	}

	if _, err := tr.client.Kick(ctx, "", "dev-c", ""); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("kick again: %v, want not found", err)
	}
	if _, err := tr.client.Kick(ctx, "r2", "dev-a", ""); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("kick on the wrong replica: %v, want not found", err)
	}
	if g, _ := tr.client.List(ctx, api.SessionFilter{ClientID: "dev-a"}, 0); g == nil || len(g.Sessions) != 1 {
		t.Errorf("dev-a was kicked by a kick for another replica: %+v", g)
	}
}

func TestSessionsMissingReplica(t *testing.T) {
	tr := startTwoReplicas(t)
	ctx := context.Background()
	if err := tr.r2.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	c := *tr.client
	c.Timeout = 500 * time.Millisecond
	g, err := c.List(ctx, api.SessionFilter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Replicas, []string{"r1"}) || !slices.Equal(g.Missing, []string{"r2"}) || len(g.Sessions) != 2 {
		t.Errorf("replicas %v missing %v sessions %v", g.Replicas, g.Missing, clientIDs(g.Sessions))
	}
	if _, err := c.Kick(ctx, "", "dev-c", ""); !errors.Is(err, admin.ErrNotFound) || !errors.Is(err, admin.ErrReplicaMissing) {
		t.Errorf("kick of a client of the missing replica: %v", err)
	}

	if err := tr.p.KPC().Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(ctx, api.SessionFilter{}, 0); !errors.Is(err, admin.ErrNoReplicas) {
		t.Errorf("no replica left: %v", err)
	}
}

func TestDialNATSUnreachable(t *testing.T) {
	_, err := admin.DialNATS("nats://tok@127.0.0.1:1", "")
	if !errors.Is(err, admin.ErrUnreachable) {
		t.Fatalf("err %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "nats://***@127.0.0.1:1") || strings.Contains(msg, "tok@") {
		t.Errorf("error %q shows the URL's secret", msg)
	}
}

// TestSessionsReplicaError: a replica that answers with an error fails List
// and Kick with ErrReplica naming it; an answer of no replica is ignored.
func TestSessionsReplicaError(t *testing.T) {
	ns := testenv.NATS(t)
	nc := testenv.Conn(t, ns.ClientURL())
	for msg, answer := range map[string]string{
		api.AdminMsgSessions: `{"v":1,"replica":"r1","error":"store closed"}`,
		api.AdminMsgKick:     `{"v":1,"replica":"r1","error":"store closed"}`,
	} {
		if _, err := nc.Subscribe(ism.ServiceSubject(admin.DefaultKPCInstance, api.AdminProto, msg), func(m *nats.Msg) {
			_ = m.Respond([]byte(`{"v":1}`)) // no replica: not an answer
			_ = m.Respond([]byte(answer))
		}); err != nil {
			t.Fatal(err)
		}
	}
	// The answers come from another connection than the requests: the
	// server must have the subscriptions before the first request.
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	c := &admin.SessionsClient{NC: testenv.Conn(t, ns.ClientURL()), Timeout: 3 * time.Second}
	if _, err := c.List(context.Background(), api.SessionFilter{}, 0); !errors.Is(err, admin.ErrReplica) || !strings.Contains(err.Error(), "r1: store closed") {
		t.Errorf("List: %v, want ErrReplica of r1", err)
	}
	if _, err := c.Kick(context.Background(), "", "dev", ""); !errors.Is(err, admin.ErrReplica) || !strings.Contains(err.Error(), "r1: store closed") {
		t.Errorf("Kick: %v, want ErrReplica of r1", err)
	}
}
