package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/sim"
)

// startBackend runs the platform (embedded NATS, the echo extension, the
// provider with the demo application) and returns the NATS URL, for tests
// that run KPC themselves.
func startBackend(t *testing.T, autoRegister bool) string {
	t.Helper()
	return platformtest.Start(t, func(o *platform.Options) { o.AutoRegister = autoRegister }).NATSURL()
}

// startKPC runs KPC on NATS with MQTT on mqttAddr; the test shuts it down.
func startKPC(t *testing.T, natsURL, mqttAddr string, requestTimeout time.Duration) *kpc.Server {
	t.Helper()
	opts := kpc.DefaultOptions()
	opts.NATS.URL = natsURL
	opts.MQTTAddr, opts.HTTPAddr, opts.RESTAddr = mqttAddr, "127.0.0.1:0", "127.0.0.1:0"
	opts.RequestTimeout = requestTimeout
	k, err := kpc.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "kpc ready", k.Ready)
	return k
}

func shutdownKPC(t *testing.T, k *kpc.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := k.Shutdown(ctx); err != nil {
		t.Errorf("kpc shutdown: %v", err)
	}
}

// startPlatform runs the platform and returns KPC's MQTT URL.
func startPlatform(t *testing.T, autoRegister bool, requestTimeout time.Duration) string {
	t.Helper()
	p := platformtest.Start(t, func(o *platform.Options) {
		o.AutoRegister, o.KPC.RequestTimeout = autoRegister, requestTimeout
	})
	return "tcp://" + p.KPC().MQTTAddr()
}

func TestClosedLoop(t *testing.T) {
	url := startPlatform(t, true, 2*time.Second)
	var snaps atomic.Int64
	rep, err := sim.Run(context.Background(), sim.Options{
		URL: url, Endpoints: 20, QoS: 1, Duration: time.Second, ConnectRate: 200,
	}, func(sim.Snapshot) { snaps.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(output.New(nil, &buf, io.Discard)); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", buf.String())
	if rep.Connected != 20 || rep.ConnectFailures != 0 {
		t.Errorf("connected %d, failures %d", rep.Connected, rep.ConnectFailures)
	}
	if rep.Requests == 0 || rep.OK != rep.Requests || len(rep.Errors) != 0 {
		t.Errorf("requests %d ok %d errors %v", rep.Requests, rep.OK, rep.Errors)
	}
	if !(0 < rep.LatencyP50 && rep.LatencyP50 <= rep.LatencyP90 && rep.LatencyP90 <= rep.LatencyP99 && rep.LatencyP99 <= rep.LatencyMax) {
		t.Errorf("latencies p50 %v p90 %v p99 %v max %v", rep.LatencyP50, rep.LatencyP90, rep.LatencyP99, rep.LatencyMax)
	}
	if rep.RequestsPerSec <= 0 || rep.ConnectsPerSec <= 0 || rep.CPUPerRequest <= 0 || rep.Interrupted {
		t.Errorf("rates %v/%v cpu %v interrupted %v", rep.RequestsPerSec, rep.ConnectsPerSec, rep.CPUPerRequest, rep.Interrupted)
	}
	if snaps.Load() == 0 {
		t.Error("no progress snapshots")
	}
	data, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"endpoints", "connected", "connect_failures", "connects_per_sec", "requests", "ok",
		"requests_per_sec", "p50_ms", "p90_ms", "p99_ms", "max_ms", "errors", "elapsed_s", "cpu_per_request_us"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON %s lacks %q", data, k)
		}
	}
	if m["requests"].(float64) != float64(rep.Requests) {
		t.Errorf("JSON requests %v, want %d", m["requests"], rep.Requests)
	}
}

func TestRequestBudgetAndOpenLoop(t *testing.T) {
	url := startPlatform(t, true, 2*time.Second)
	rep, err := sim.Run(context.Background(), sim.Options{URL: url, Endpoints: 5, Requests: 50, Rate: 200, QoS: 0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 50 || rep.OK != 50 {
		t.Errorf("requests %d ok %d errors %v, want 50 ok", rep.Requests, rep.OK, rep.Errors)
	}
}

func TestTokenRejected(t *testing.T) {
	url := startPlatform(t, false, 2*time.Second)
	rep, err := sim.Run(context.Background(), sim.Options{URL: url, Endpoints: 4, Requests: 40}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 40 || rep.OK != 0 || rep.Errors["status_401"] != rep.Requests || len(rep.Errors) != 1 {
		t.Errorf("requests %d ok %d errors %v, want all status_401", rep.Requests, rep.OK, rep.Errors)
	}
	if why := rep.ErrorSamples["status_401"]; why == "" {
		t.Errorf("no reason given for status_401: %v", rep.ErrorSamples)
	}
}

// TestExtensionMissing: requests to an extension nobody serves fail at
// once with KPC's 503 and its reason (a minute's timeouts would not pass).
func TestExtensionMissing(t *testing.T) {
	url := startPlatform(t, true, time.Minute)
	rep, err := sim.Run(context.Background(), sim.Options{URL: url, Endpoints: 3, Extension: "nope", Requests: 6, Timeout: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 6 || rep.OK != 0 || rep.Errors["status_503"] != 6 || rep.ErrorSamples["status_503"] != "no extension instance is serving nope" {
		t.Errorf("requests %d ok %d errors %v %v, want 6 status_503", rep.Requests, rep.OK, rep.Errors, rep.ErrorSamples)
	}
}

func TestCancel(t *testing.T) {
	url := startPlatform(t, true, 2*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelledAt atomic.Int64
	rep, err := sim.Run(ctx, sim.Options{URL: url, Endpoints: 5, Duration: time.Minute}, func(s sim.Snapshot) {
		if s.OK > 0 && cancelledAt.Load() == 0 {
			cancelledAt.Store(time.Now().UnixNano())
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if cancelledAt.Load() == 0 {
		t.Fatal("never cancelled")
	}
	if took := time.Since(time.Unix(0, cancelledAt.Load())); took > 2*time.Second {
		t.Errorf("Run returned %v after cancel", took)
	}
	if !rep.Interrupted || rep.OK == 0 || rep.Connected != 5 {
		t.Errorf("report %+v", rep)
	}
}

func TestNoBroker(t *testing.T) {
	rep, err := sim.Run(context.Background(), sim.Options{URL: "tcp://127.0.0.1:1", Endpoints: 2, Requests: 1}, nil)
	if err == nil || !strings.Contains(err.Error(), "no endpoint connected") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("err = %v", err)
	}
	if rep.ConnectFailures != 2 || rep.Errors["connect"] != 2 {
		t.Errorf("report %+v", rep)
	}
}

// TestMixHoldsProportions: the weights of a mix hold in operations started,
// though an upload takes longer than an echo round trip: kp=80,upload=20
// does 4 requests per upload.
func TestMixHoldsProportions(t *testing.T) {
	p := platformtest.Start(t, func(o *platform.Options) { o.AutoRegister = true })
	rep, err := sim.Run(context.Background(), sim.Options{URL: "tcp://" + p.KPC().MQTTAddr(), BCXURL: "http://" + p.BCX().RESTAddr(),
		Scenario:  sim.Mix{{Scenario: sim.ScenarioKP, Weight: 80}, {Scenario: sim.ScenarioUpload, Weight: 20}},
		Endpoints: 10, BlobSize: 256 << 10, Requests: 500}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ErrorCount() != 0 || rep.Requests+rep.UploadAttempts != 500 {
		t.Fatalf("requests %d uploads %d errors %v, want 500 in all and no errors", rep.Requests, rep.UploadAttempts, rep.Errors)
	}
	if rep.UploadAttempts < 95 || rep.UploadAttempts > 105 {
		t.Errorf("%d requests to %d uploads, want about 400 to 100", rep.Requests, rep.UploadAttempts)
	}
}

// TestAuthRefused: endpoints whose credentials KPC refuses are reported as
// auth_<reason>, not as a broken connection.
func TestAuthRefused(t *testing.T) {
	url := startPlatform(t, true, 2*time.Second)
	rep, err := sim.Run(context.Background(), sim.Options{URL: url, Endpoints: 3, Requests: 3,
		Credentials: func(i int) (string, string) { return "nobody@kaa", "not-the-password-of-anyone" }}, nil)
	if err == nil || !strings.Contains(err.Error(), "bad user name or password") {
		t.Errorf("err = %v", err)
	}
	if rep.ConnectFailures != 3 || rep.Errors["auth_bad_credentials"] != 3 || rep.Errors["connect"] != 0 {
		t.Errorf("report errors %v", rep.Errors)
	}
}
