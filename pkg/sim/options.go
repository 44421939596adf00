package sim

import (
	"crypto/tls"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Scenario names what a simulated endpoint does during the load phase.
type Scenario string

const (
	// ScenarioKP sends 1/KP requests to an extension and times the replies.
	ScenarioKP Scenario = "kp"
	// ScenarioUpload fetches a BCX upload token over 1/KP (again on expiry
	// or 403) and uploads blobs to BCX's REST API.
	ScenarioUpload Scenario = "upload"
	// ScenarioConnect holds its connection for Options.Hold, disconnects and
	// connects again (churn), timing each connect.
	ScenarioConnect Scenario = "connect"
)

var scenarios = []Scenario{ScenarioKP, ScenarioUpload, ScenarioConnect}

// Mix assigns scenarios to endpoints by weight: with kp=8,upload=2 endpoints
// 0-7 of every 10 run kp and 8-9 run upload.
type Mix []MixPart

// MixPart is one scenario of a Mix and its weight.
type MixPart struct {
	Scenario Scenario
	Weight   int
}

// ParseMix parses "kp", "upload", "connect" or a weighted list such as
// "kp=80,upload=15,connect=5".
func ParseMix(s string) (Mix, error) {
	var m Mix
	for part := range listItems(s) {
		name, w, hasW := strings.Cut(part, "=")
		p := MixPart{Scenario: Scenario(strings.TrimSpace(name)), Weight: 1}
		if !slices.Contains(scenarios, p.Scenario) {
			return nil, fmt.Errorf("scenario %q: want kp, upload or connect (or a mix like kp=80,upload=20)", name)
		}
		if hasW {
			n, err := strconv.Atoi(strings.TrimSpace(w))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("scenario %q: weight must be a whole number >= 0", part)
			}
			p.Weight = n
		}
		if slices.ContainsFunc(m, func(q MixPart) bool { return q.Scenario == p.Scenario }) {
			return nil, fmt.Errorf("scenario %q given twice", name)
		}
		m = append(m, p)
	}
	if m.total() == 0 {
		return nil, fmt.Errorf("scenario %q: no scenario with a weight above 0", s)
	}
	return m, nil
}

func (m Mix) total() int {
	n := 0
	for _, p := range m {
		n += p.Weight
	}
	return n
}

// Assign gives n endpoints their scenarios, interleaved in proportion to the
// weights (smooth weighted round-robin): with kp=80,upload=15,connect=5 any
// 20 consecutive endpoints are 16 kp, 3 upload and 1 connect.
func (m Mix) Assign(n int) []Scenario {
	out := make([]Scenario, n)
	total := m.total()
	cur := make([]int, len(m))
	for i := range out {
		best := -1
		for j, p := range m {
			cur[j] += p.Weight
			if p.Weight > 0 && (best < 0 || cur[j] > cur[best]) {
				best = j
			}
		}
		cur[best] -= total
		out[i] = m[best].Scenario
	}
	return out
}

// Counts says how many of n endpoints run each scenario.
func (m Mix) Counts(n int) map[Scenario]int {
	c := map[Scenario]int{}
	for _, s := range m.Assign(n) {
		c[s]++
	}
	return c
}

// Has reports whether any endpoint runs scenario s.
func (m Mix) Has(s Scenario) bool {
	return slices.ContainsFunc(m, func(p MixPart) bool { return p.Scenario == s && p.Weight > 0 })
}

func (m Mix) String() string {
	if len(m) == 1 {
		return string(m[0].Scenario)
	}
	parts := make([]string, len(m))
	for i, p := range m {
		parts[i] = string(p.Scenario) + "=" + strconv.Itoa(p.Weight)
	}
	return strings.Join(parts, ",")
}

// Options configures a simulation run.
type Options struct {
	// URL is KPC's address; its scheme picks the transport: tcp:// or
	// mqtt:// (MQTT), ssl://, tls:// or mqtts:// (MQTT over TLS), ws:// or
	// wss:// (MQTT over WebSocket, e.g. ws://127.0.0.1:8081/ws), http:// or
	// https:// (1/KP over HTTP, one POST per request).
	URL string
	// TLS is used by the TLS schemes (default: system roots).
	TLS *tls.Config

	Endpoints int                // simulated endpoints, one connection each (default 1)
	Tokens    func(i int) string // token of endpoint i (default "sim-<i>")
	// Credentials, if set, gives endpoint i's MQTT username and password
	// (22/CAP basic credentials). A client certificate goes in TLS.
	Credentials func(i int) (username, password string)
	// ClientCert, if set, gives endpoint i's TLS client certificate (22/CAP
	// X.509 credentials); it needs a TLS URL. One certificate for all goes in
	// TLS instead.
	ClientCert func(i int) (tls.Certificate, error)
	Scenario   Mix    // default kp
	AppVersion string // default demo-v1

	// kp scenario.
	Extension   string // default echo
	Resource    string // default ping
	QoS         byte   // of requests (KPC answers with the same QoS, capped at 1)
	PayloadSize int    // default 256
	// Payload, if set, overrides PayloadSize: a template where {{endpoint}},
	// {{token}}, {{seq}} and {{time}} (Unix ms) are replaced.
	Payload string
	Rate    float64 // requests per second per endpoint (0 = closed loop: next request when the reply arrives)

	// upload scenario.
	BCXURL        string        // BCX REST base URL, default http://127.0.0.1:8090
	BCXTLS        *tls.Config   // for an https BCXURL (default: system roots)
	BCXExtension  string        // BCX instance in 1/KP topics, default bcx
	BlobSize      int           // default 64 KiB
	UploadRate    float64       // uploads per second per endpoint (0 = closed loop)
	UploadTimeout time.Duration // per upload, default 60s
	// KeepUploads records where BCX stored each upload (Report.Uploaded),
	// for a clean-up after the run.
	KeepUploads bool

	// Reconnect makes kp and upload endpoints connect again (with backoff)
	// when they lose their connection; otherwise they stop.
	Reconnect bool

	// connect scenario.
	Hold time.Duration // how long a connection stays up before it churns, default 1s

	ConnectRate float64       // connections per second during the ramp (0 = all at once)
	Duration    time.Duration // run length after the ramp (0 with Requests>0 = until Requests done; both 0 = 10s)
	Requests    int           // budget of requests and uploads (0 = unlimited within Duration)
	Timeout     time.Duration // reply deadline per 1/KP request (and connect), default 5s
}

// transport kinds.
const (
	transportMQTT = "mqtt"
	transportHTTP = "http"
)

func (o *Options) defaults() (transport string, err error) {
	if o.URL == "" {
		return "", errors.New("sim: no KPC URL")
	}
	u, err := url.Parse(o.URL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("sim: KPC URL %q: want scheme://host:port", o.URL)
	}
	switch u.Scheme {
	case "tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss":
		transport = transportMQTT
	case "http", "https":
		transport = transportHTTP
	default:
		return "", fmt.Errorf("sim: KPC URL %q: unknown scheme %q (tcp, mqtt, ssl, tls, mqtts, ws, wss, http, https)", o.URL, u.Scheme)
	}
	if o.Endpoints <= 0 {
		o.Endpoints = 1
	}
	if o.Tokens == nil {
		o.Tokens = func(i int) string { return "sim-" + strconv.Itoa(i) }
	}
	if len(o.Scenario) == 0 {
		o.Scenario = Mix{{ScenarioKP, 1}}
	}
	if o.Scenario.total() <= 0 {
		return "", errors.New("sim: scenario weights sum to 0")
	}
	if o.ClientCert != nil {
		switch u.Scheme {
		case "ssl", "tls", "mqtts", "wss", "https":
		default:
			return "", fmt.Errorf("sim: client certificates need a TLS URL (mqtts, wss, https), not %s://", u.Scheme)
		}
	}
	if o.Scenario.Has(ScenarioConnect) && transport == transportHTTP {
		return "", errors.New("sim: the connect scenario needs an MQTT transport (HTTP has no connection to churn)")
	}
	if o.AppVersion == "" {
		o.AppVersion = "demo-v1"
	}
	if o.Extension == "" {
		o.Extension = "echo"
	}
	if o.Resource == "" {
		o.Resource = "ping"
	}
	o.Resource = strings.Trim(o.Resource, "/")
	if o.QoS > 1 {
		return "", fmt.Errorf("sim: QoS %d not supported (0 or 1)", o.QoS)
	}
	if o.PayloadSize <= 0 {
		o.PayloadSize = 256
	}
	if o.BCXURL == "" {
		o.BCXURL = "http://127.0.0.1:8090"
	}
	o.BCXURL = strings.TrimSuffix(o.BCXURL, "/")
	if o.BCXExtension == "" {
		o.BCXExtension = "bcx"
	}
	if o.BlobSize <= 0 {
		o.BlobSize = 64 << 10
	}
	if o.UploadTimeout <= 0 {
		o.UploadTimeout = time.Minute
	}
	if o.Hold <= 0 {
		o.Hold = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Duration <= 0 && o.Requests <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.ConnectRate < 0 || o.Rate < 0 || o.UploadRate < 0 {
		return "", errors.New("sim: negative rate")
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"rate", o.Rate}, {"upload rate", o.UploadRate}, {"connect rate", o.ConnectRate}} {
		if r.v != 0 && (r.v < 1e-6 || r.v > 1e6) {
			return "", fmt.Errorf("sim: %s %g per second is out of range (1e-6 to 1e6, or 0)", r.name, r.v)
		}
	}
	if o.Requests > 0 && o.Duration <= 0 {
		counts := o.Scenario.Counts(o.Endpoints)
		if counts[ScenarioKP]+counts[ScenarioUpload] == 0 {
			return "", errors.New("sim: a request budget needs kp or upload endpoints; the connect scenario runs for a duration")
		}
	}
	return transport, nil
}

// listItems yields the non-empty items of a comma-separated flag value,
// trimmed, as --scenario and --fail-on take them ("kp=80, upload=20,").
func listItems(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for part := range strings.SplitSeq(s, ",") {
			if part = strings.TrimSpace(part); part != "" && !yield(part) {
				return
			}
		}
	}
}
