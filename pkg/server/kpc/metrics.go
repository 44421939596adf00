package kpc

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are per server (no global registry), so tests can run many servers.
type metrics struct {
	reg            *prometheus.Registry
	sessions       prometheus.GaugeFunc
	waiting        prometheus.GaugeFunc
	requests       *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	natsErrors     *prometheus.CounterVec
	repliesDropped prometheus.Counter
	lateReplies    prometheus.Counter
	rejected       *prometheus.CounterVec
	rejectedSubs   *prometheus.CounterVec
	connections    prometheus.GaugeFunc
	closed         *prometheus.CounterVec
	adjusted       *prometheus.CounterVec
	auth           *prometheus.CounterVec
	configEvents   *prometheus.CounterVec
	tokenCache     *prometheus.CounterVec

	// extension label values are bounded: a client may invent names.
	mu        sync.Mutex
	extLabels map[string]struct{}
}

const maxExtensionLabels = 64

// Reasons KPC closes (or refuses) a device connection, the values of
// kaa_kpc_connections_closed_total's reason label.
const (
	reasonMaxConnections     = "max_connections"     // over MaxConnections, closed at accept
	reasonTLSHandshake       = "tls_handshake"       // failed or timed out
	reasonConnectTimeout     = "connect_timeout"     // no complete CONNECT within ConnectTimeout
	reasonPacketTooLarge     = "packet_too_large"    // over MaxPacketSize
	reasonProtocol           = "protocol_error"      // a malformed or forbidden packet (e.g. a topic alias)
	reasonKeepalive          = "keepalive_timeout"   // silent for 1.5 times the keepalive
	reasonWriteTimeout       = "write_timeout"       // a write made no progress within WriteTimeout
	reasonAckTimeout         = "ack_timeout"         // a full window of replies unacknowledged for WriteTimeout
	reasonWriteFailed        = "write_failed"        // any other failed write
	reasonDraining           = "draining"            // CONNECT while the replica drains
	reasonBadCredentials     = "bad_credentials"     // basic authentication refused (CONNACK 0x86 / 4)
	reasonNotAuthorized      = "not_authorized"      // a client certificate the CAP provider refused (0x87 / 5)
	reasonClientCert         = "client_certificate"  // a client certificate that does not verify against ClientCA (TLS alert)
	reasonAuthUnavailable    = "auth_unavailable"    // no verdict from the CAP provider in time (0x88 / 3)
	reasonClientIDInUse      = "client_id_in_use"    // takeover of a client ID by another identity (0x87 / 5)
	reasonTakenOver          = "taken_over"          // a newer connection took the client ID over
	reasonTokenRevoked       = "token_revoked"       // 16/ECAP revocation
	reasonCredentialsRevoked = "credentials_revoked" // 22/CAP revocation of the credentials the session used
	reasonAuthRequired       = "auth_required"       // its tenant's policy now requires authentication on its transport
	reasonShutdown           = "shutdown"
)

func newMetrics(sessions, connections, waiting func() float64) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		sessions: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kaa_kpc_sessions", Help: "Live MQTT sessions on this replica.",
		}, sessions),
		waiting: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kaa_kpc_sessions_waiting", Help: "MQTT/TCP sessions idling in the poller, without a reader goroutine.",
		}, waiting),
		requests: counterVec("kaa_kpc_requests_total", "1/KP requests by transport, extension instance and reply status code.", "transport", "extension", "status"),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kaa_kpc_request_duration_seconds",
			Help:    "Time from a request's arrival to its reply.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"transport"}),
		natsErrors:     counterVec("kaa_kpc_nats_errors_total", "NATS publish, decode and connection errors.", "op"),
		repliesDropped: counter("kaa_kpc_replies_dropped_total", "Replies dropped because the session was gone or its queue full."),
		lateReplies:    counter("kaa_kpc_late_replies_total", "Extension replies that arrived after their request timed out."),
		rejected:       counterVec("kaa_kpc_rejected_publishes_total", "MQTT publishes rejected before relay, by reason.", "reason"),
		rejectedSubs:   counterVec("kaa_kpc_rejected_subscriptions_total", "MQTT subscriptions refused, by reason.", "reason"),
		connections: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kaa_kpc_connections", Help: "Open MQTT device connections (TCP, TLS, WebSocket), CONNECT or not.",
		}, connections),
		closed:       counterVec("kaa_kpc_connections_closed_total", "MQTT device connections KPC refused or closed, by reason.", "reason"),
		adjusted:     counterVec("kaa_kpc_connect_adjusted_total", "CONNECT requests KPC changed before accepting them (will stripped, clean start forced, keepalive bounded).", "what"),
		auth:         counterVec("kaa_kpc_auth_total", "MQTT CONNECT authentications by method (anonymous, basic, x509) and result (ok, refused, unavailable).", "method", "result"),
		configEvents: counterVec("kaa_kpc_config_events_total", "17/SCMP tenant configuration events by result (applied, invalid).", "result"),
		tokenCache:   counterVec("kaa_kpc_token_cache_total", "1/KP over HTTP endpoint token lookups in the token cache by result (hit, miss).", "result"),
		extLabels:    make(map[string]struct{}),
	}
	m.reg.MustRegister(m.sessions, m.waiting, m.requests, m.latency, m.natsErrors, m.repliesDropped, m.lateReplies, m.rejected,
		m.rejectedSubs, m.connections, m.closed, m.adjusted, m.auth, m.configEvents, m.tokenCache,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) extLabel(ext string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.extLabels[ext]; ok {
		return ext
	}
	if len(m.extLabels) >= maxExtensionLabels {
		return "other"
	}
	m.extLabels[ext] = struct{}{}
	return ext
}

func (m *metrics) request(transport, ext string, status int) {
	m.requests.WithLabelValues(transport, m.extLabel(ext), strconv.Itoa(status)).Inc()
}

// counter and counterVec are the counters of newMetrics, the latter
// partitioned by labels.
func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}
