package sim

import (
	"strings"
	"testing"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		in, want, err string
		counts        map[Scenario]int // of 100 endpoints
	}{
		{in: "kp", want: "kp", counts: map[Scenario]int{ScenarioKP: 100}},
		{in: "kp=80, upload=15,connect=5", want: "kp=80,upload=15,connect=5",
			counts: map[Scenario]int{ScenarioKP: 80, ScenarioUpload: 15, ScenarioConnect: 5}},
		{in: "upload=1,kp=0", want: "upload=1,kp=0", counts: map[Scenario]int{ScenarioUpload: 100}},
		{in: "kp=1,upload=1", want: "kp=1,upload=1", counts: map[Scenario]int{ScenarioKP: 50, ScenarioUpload: 50}},
		{in: "dance", err: "want kp, upload or connect"},
		{in: "kp=-1", err: "weight"},
		{in: "kp=x", err: "weight"},
		{in: "kp,kp", err: "twice"},
		{in: "kp=0", err: "no scenario"},
		{in: "", err: "no scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := ParseMix(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || m.String() != tt.want {
				t.Fatalf("got %q, %v", m, err)
			}
			counts := m.Counts(100)
			for s, n := range tt.counts {
				if counts[s] != n {
					t.Errorf("%s: %d of 100 endpoints, want %d (%v)", s, counts[s], n, counts)
				}
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		o         Options
		transport string
		err       string
	}{
		{o: Options{URL: "tcp://127.0.0.1:1883"}, transport: transportMQTT},
		{o: Options{URL: "wss://kpc.example.com:443/ws"}, transport: transportMQTT},
		{o: Options{URL: "https://kpc.example.com"}, transport: transportHTTP},
		{o: Options{}, err: "no KPC URL"},
		{o: Options{URL: "127.0.0.1:1883"}, err: "scheme://host:port"},
		{o: Options{URL: "ftp://h:1"}, err: "unknown scheme"},
		{o: Options{URL: "http://h:1", Scenario: Mix{{ScenarioConnect, 1}}}, err: "needs an MQTT transport"},
		{o: Options{URL: "tcp://h:1", QoS: 2}, err: "QoS 2"},
		{o: Options{URL: "tcp://h:1", Rate: -1}, err: "negative"},
		{o: Options{URL: "tcp://h:1", Requests: 5, Scenario: Mix{{ScenarioConnect, 1}}}, err: "needs kp or upload endpoints"},
		{o: Options{URL: "tcp://h:1", Requests: 5, Scenario: Mix{{ScenarioKP, 0}, {ScenarioConnect, 1}}}, err: "needs kp or upload endpoints"},
		{o: Options{URL: "tcp://h:1", Requests: 5, Endpoints: 3, Scenario: Mix{{ScenarioConnect, 5}, {ScenarioKP, 95}}}, transport: transportMQTT},
		{o: Options{URL: "tcp://h:1", Rate: 2e9}, err: "out of range"},
		{o: Options{URL: "tcp://h:1", UploadRate: 1e-12}, err: "out of range"},
	}
	for _, tt := range tests {
		got, err := tt.o.defaults()
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%+v: err %v, want %q", tt.o, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.transport {
			t.Errorf("%+v: %q, %v", tt.o, got, err)
		}
	}
}

// TestMixAssignInterleaves: a mix applies to small fleets too: every
// scenario with weight gets endpoints in proportion, not in blocks.
func TestMixAssignInterleaves(t *testing.T) {
	m, err := ParseMix("kp=80,upload=15,connect=5")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		n                     int
		kp, upload, connected int
	}{{20, 16, 3, 1}, {40, 32, 6, 2}, {100, 80, 15, 5}} {
		c := m.Counts(tt.n)
		if c[ScenarioKP] != tt.kp || c[ScenarioUpload] != tt.upload || c[ScenarioConnect] != tt.connected {
			t.Errorf("%d endpoints: %v, want kp %d upload %d connect %d", tt.n, c, tt.kp, tt.upload, tt.connected)
		}
	}
}
