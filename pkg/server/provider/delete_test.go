package provider

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
)

// createEndpoints creates n endpoints of app with tokens prefix-<i>.
func createEndpoints(t testing.TB, p *Provider, app, prefix string, n int) []Endpoint {
	t.Helper()
	var eps []Endpoint
	for i := range n {
		ep, _, err := p.CreateEndpoint(context.Background(), testTenant, app, prefix+"-"+string(rune('a'+i)))
		if err != nil {
			t.Fatal(err)
		}
		eps = append(eps, ep)
	}
	return eps
}

// TestDeleteEndpoints: deleted endpoints are gone from the listing, their
// tokens stop working at once (KPC is told with a token revoked event), and
// the other application's endpoints stay.
func TestDeleteEndpoints(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	events := listen(t, e.nc, ism.EventSubject("*", ism.EntityEndpoint, ism.GroupToken, ism.EventRevoked))
	for _, app := range []string{"demo", "sim"} {
		if _, err := e.p.CreateApp(ctx, testTenant, app, nil, false); err != nil {
			t.Fatal(err)
		}
	}
	eps := createEndpoints(t, e.p, "sim", "s", 5)
	keep := createEndpoints(t, e.p, "demo", "d", 2)

	if err := e.p.DeleteEndpoint(ctx, testTenant, "sim", eps[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := e.p.DeleteEndpoint(ctx, testTenant, "sim", eps[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want not found", err)
	}
	var ev ism.EndpointTokenRevokedEvent
	if err := ism.Unmarshal(next(t, events, "token revoked event").Data, &ev); err != nil || ev.EndpointID != eps[0].ID || ev.TokenIDs[0] != eps[0].TokenID {
		t.Errorf("event %+v %v, want endpoint %s", ev, err, eps[0].ID)
	}
	if r := ecap(t, e.nc, "", "sim", "s-a"); r.StatusCode != 401 {
		t.Errorf("token of a deleted endpoint: %d, want 401", r.StatusCode)
	}
	// A token of a deleted endpoint can be registered again.
	if _, _, err := e.p.CreateEndpoint(ctx, testTenant, "sim", "s-a"); err != nil {
		t.Errorf("token of a deleted endpoint is still taken: %v", err)
	}

	// IDs that are gone (or never were) are skipped.
	n, err := e.p.DeleteEndpoints(ctx, testTenant, "sim", []string{eps[0].ID, eps[1].ID, eps[2].ID, "nope"})
	if err != nil || n != 2 {
		t.Errorf("bulk delete: %d %v, want 2", n, err)
	}
	if n, err := e.p.DeleteAllEndpoints(ctx, testTenant, "sim"); err != nil || n != 3 {
		t.Errorf("delete all: %d %v, want 3 (two left and s-a again)", n, err)
	}
	if left, err := e.p.ListEndpoints(ctx, testTenant, "sim"); err != nil || len(left) != 0 {
		t.Errorf("sim endpoints after delete all: %v %v", left, err)
	}
	if left, err := e.p.ListEndpoints(ctx, testTenant, "demo"); err != nil || len(left) != len(keep) {
		t.Errorf("demo endpoints: %v %v, want the 2 of demo untouched", left, err)
	}
	if _, err := e.p.DeleteAllEndpoints(ctx, "other", "sim"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another tenant's application: %v, want not found", err)
	}
}

func TestRESTPagingAndBulkDelete(t *testing.T) {
	e := startEnv(t, "")
	ctx := context.Background()
	if _, err := e.p.CreateApp(ctx, testTenant, "sim", nil, false); err != nil {
		t.Fatal(err)
	}
	eps := createEndpoints(t, e.p, "sim", "s", 5)
	const base = "/api/v1/tenants/kaa/applications/sim/endpoints"

	r := call(t, e, "GET", base+"?limit=2&offset=1", bearer, "")
	var page []Endpoint
	if r.status != 200 || json.Unmarshal([]byte(r.body), &page) != nil || len(page) != 2 || page[0].ID != eps[1].ID || page[1].ID != eps[2].ID {
		t.Fatalf("page: %d %s", r.status, r.body)
	}
	if got := r.header.Get(api.TotalCountHeader); got != "5" {
		t.Errorf("%s %q, want 5", api.TotalCountHeader, got)
	}
	if r := call(t, e, "GET", base+"?limit=2&offset=10", bearer, ""); r.status != 200 || strings.TrimSpace(r.body) != "[]" {
		t.Errorf("page past the end: %d %s", r.status, r.body)
	}
	wantError(t, call(t, e, "GET", base+"?limit=0", bearer, ""), 400, "paging")
	wantError(t, call(t, e, "GET", base+"?limit=x", bearer, ""), 400, "whole numbers")

	if r := call(t, e, "DELETE", base+"/"+eps[0].ID, bearer, ""); r.status != 204 {
		t.Errorf("delete one: %d %s", r.status, r.body)
	}
	wantError(t, call(t, e, "DELETE", base+"/"+eps[0].ID, bearer, ""), 404, "not found")
	r = call(t, e, "POST", base+"/delete", bearer, `{"endpointIds":["`+eps[1].ID+`","nope"]}`)
	if r.status != 200 || !strings.Contains(r.body, `"deleted":1`) {
		t.Errorf("delete some: %d %s", r.status, r.body)
	}
	wantError(t, call(t, e, "POST", base+"/delete", bearer, `{}`), 400, "give endpointIds, or all")
	wantError(t, call(t, e, "POST", base+"/delete", bearer, `{"all":true,"endpointIds":["x"]}`), 400, "not both")
	r = call(t, e, "POST", base+"/delete", bearer, `{"all":true}`)
	if r.status != 200 || !strings.Contains(r.body, `"deleted":3`) {
		t.Errorf("delete all: %d %s", r.status, r.body)
	}
	wantError(t, call(t, e, "DELETE", base+"/x", "", ""), 401, "missing bearer token")
}

// TestSetAutoRegister: the setting changes on an existing application, both
// ways, and the change is announced.
func TestSetAutoRegister(t *testing.T) {
	var changes atomic.Int32
	p := startProvider(t, Options{DataDir: t.TempDir(), OnAppsChange: func() { changes.Add(1) }})
	nc := testenv.Conn(t, p.opts.NATS.URL)
	ctx := context.Background()
	if _, err := p.CreateApp(ctx, testTenant, "demo", nil, false); err != nil {
		t.Fatal(err)
	}
	if r := ecap(t, nc, "", "demo", "unknown-1"); r.StatusCode != 401 {
		t.Fatalf("before: %d", r.StatusCode)
	}
	app, err := p.SetAutoRegister(ctx, testTenant, "demo", true)
	if err != nil || !app.AutoRegister {
		t.Fatalf("set: %+v %v", app, err)
	}
	if r := ecap(t, nc, "", "demo", "unknown-1"); r.StatusCode != 200 {
		t.Errorf("with auto-register: %d", r.StatusCode)
	}
	if _, err := p.SetAutoRegister(ctx, testTenant, "demo", true); err != nil { // no change: not announced
		t.Fatal(err)
	}
	if _, err := p.SetAutoRegister(ctx, testTenant, "demo", false); err != nil {
		t.Fatal(err)
	}
	if r := ecap(t, nc, "", "demo", "unknown-2"); r.StatusCode != 401 {
		t.Errorf("auto-register off again: %d", r.StatusCode)
	}
	if _, err := p.SetAutoRegister(ctx, testTenant, "nope", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown application: %v", err)
	}
	if got := changes.Load(); got != 3 {
		t.Errorf("OnAppsChange called %d times, want 3 (create and two changes)", got)
	}
	all, err := p.AllApps(ctx)
	if err != nil || len(all) != 1 || all[0].AutoRegister {
		t.Errorf("AllApps %+v %v", all, err)
	}
}

// TestEndpointLogsSummarized: endpoint events are not one info line each
// (a fleet of them buries everything else) but a periodic summary.
func TestEndpointLogsSummarized(t *testing.T) {
	var logs testenv.Buffer
	ns := testenv.NATS(t)
	p, err := New(Options{NATS: natsconn.Options{URL: ns.ClientURL()}, DataDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		t.Fatal(err)
	}
	p.summaryEvery = time.Hour // the last summary is logged on shutdown
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.CreateApp(ctx, testTenant, "demo", nil, true); err != nil {
		t.Fatal(err)
	}
	createEndpoints(t, p, "demo", "e", 3)
	nc := testenv.Conn(t, ns.ClientURL())
	ecap(t, nc, "", "demo", "e-a")       // activated
	ecap(t, nc, "", "demo", "new-token") // auto-registered
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=INFO msg=endpoints ") || !strings.Contains(logs.String(), "created=3 activated=1 auto_registered=1 deleted=0") {
		t.Errorf("no summary line:\n%s", logs.String())
	}
	for _, line := range []string{"endpoint created", "endpoint activated", "endpoint auto-registered"} {
		if strings.Contains(logs.String(), line) {
			t.Errorf("%q logged at info:\n%s", line, logs.String())
		}
	}
}
