package platformtest

import (
	"context"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth"
	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
)

// Replica starts one more KPC replica on p's NATS, with MQTT and management
// on free loopback ports and p's application config, after applying opts;
// it returns once the replica is ready. Shutdown runs at cleanup (a test may
// shut it down earlier: Shutdown is idempotent).
func Replica(t testing.TB, p *platform.Platform, opts ...func(*kpc.Options)) *kpc.Server {
	t.Helper()
	o := kpc.DefaultOptions()
	o.NATS = natsconn.Options{URL: p.NATSURL()}
	o.MQTTAddr, o.HTTPAddr, o.RESTAddr = Loopback, Loopback, Loopback
	// The platform's admin token lists its sessions, as on the platform's own KPC.
	o.Auth = auth.StaticToken{Token: p.AdminToken(), TenantID: kpc.AllTenants}
	for _, fn := range opts {
		fn(&o)
	}
	r, err := kpc.New(o)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Start(t, "replica", r)
	testenv.Eventually(t, 5*time.Second, "replica ready", r.Ready)
	return r
}

// Device connects an MQTT client with clientID to the replica at mqttAddr
// as a new endpoint of the demo application, and makes one echo request so
// that the replica has resolved the endpoint (and published its ELCE
// connected event). It returns the client and the endpoint ID.
func Device(t testing.TB, p *platform.Platform, mqttAddr, clientID string) (*testenv.MQTTClient, string) {
	t.Helper()
	token := "tok-" + clientID
	ep, _, err := p.Provider().CreateEndpoint(context.Background(), platform.DemoTenant, platform.DemoApp, token)
	if err != nil {
		t.Fatal(err)
	}
	c := testenv.MQTT(t, mqttAddr, clientID)
	topic := "kp1/" + platform.DemoAppVersion + "/echo/" + token + "/ping/1"
	c.Publish(t, topic, 1, "hello")
	c.Expect(t, topic+"/status", 5*time.Second)
	return c, ep.ID
}
