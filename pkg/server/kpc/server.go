// Package kpc is the Kaa Protocol Communication service: the device-facing
// edge that speaks 1/KP over MQTT and HTTP and relays every request over NATS
// (4/ESP) to extension services, resolving endpoint tokens through 16/ECAP.
package kpc

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/internal/netpoll"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/httpx"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
	"github.com/kaactl/kaactl/pkg/server/tlsutil"
)

const (
	transportMQTT = "mqtt"
	transportHTTP = "http"
)

// mochiReadBuffer is the read buffer of one MQTT connection.
const mochiReadBuffer = 512

// Server is one KPC replica.
type Server struct {
	opts Options
	log  *slog.Logger

	nc       *nats.Conn
	mqtt     *mqtt.Server
	mqttOnce sync.Once // mochi's Close panics when called twice
	mqttLn   *deviceListener
	mqttsLn  *deviceListener
	wsLn     *wsListener
	wssLn    *wsListener
	wsMount  *wsMount                       // MQTT over WebSocket on HTTPS ports
	idle     atomic.Pointer[netpoll.Poller] // where idle MQTT/TCP sessions wait; nil without mochi's patch
	conns    *connLimits                    // shared by the MQTT listeners
	cert     *tlsutil.Certificate           // of MQTT/TLS, secure WebSocket and HTTPS; nil when TLS is off
	kp       http.Handler                   // KPHandler
	rest     http.Handler                   // RESTHandler
	device   http.Handler                   // DeviceHandler
	httpSrv  *httpx.Server
	httpsSrv *httpx.Server
	restSrv  *httpx.Server
	sessions *sessionRegistry
	pending  *pendingTable
	tokens   *tokenCache // of 1/KP over HTTP; nil when off
	metrics  *metrics
	admin    *adminAPI
	auth     auth.Authenticator // of GET /api/v1/sessions

	apps atomic.Pointer[kaaconfig.AppConfig] // of SetApps; nil: opts.Apps

	tokenReplies         replies[tokenResult] // ECAP token validations
	capReplies           replies[capVerdict]  // CAP basic and certificate authentications
	policies             *policies
	espReplySubject      string
	ecapReplySubject     string
	capBasicReplySubject string
	capCertReplySubject  string

	espSubjects  sync.Map // extension instance -> 4/ESP ClientData subject (espSubject)
	espSubjectsN atomic.Int32

	httpRequestIDs atomic.Uint32
	draining       atomic.Bool
	shutdownOnce   sync.Once
	shutdownErr    error
}

// New validates options and builds a replica; it opens nothing.
func New(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	authn, err := opts.authenticator()
	if err := errors.Join(opts.validate(), err); err != nil {
		return nil, fmt.Errorf("kpc options: %w", err)
	}
	log := cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	s := &Server{
		auth:                 authn,
		opts:                 opts,
		log:                  log.With("service", "kpc", "replica", opts.ReplicaID),
		sessions:             newSessionRegistry(revocationMemory(opts)),
		pending:              newPendingTable(),
		tokens:               newTokenCache(opts.TokenCacheSize, opts.TokenCacheTTL, time.Now),
		policies:             newPolicies(opts.Apps.Tenants),
		espReplySubject:      ism.ReplicaSubject(opts.ReplicaID, ism.ProtoESP, ism.MsgExtensionData),
		ecapReplySubject:     ism.ReplicaSubject(opts.ReplicaID, ism.ProtoECAP, ism.MsgEPTokenResponse),
		capBasicReplySubject: ism.ReplicaSubject(opts.ReplicaID, ism.ProtoCAP, ism.MsgBasicResponse),
		capCertReplySubject:  ism.ReplicaSubject(opts.ReplicaID, ism.ProtoCAP, ism.MsgCertificateResponse),
	}
	s.metrics = newMetrics(func() float64 { return float64(s.sessions.len()) }, func() float64 { return float64(s.conns.open.Load()) }, s.idleWaiting)
	s.conns = &connLimits{
		max:            int64(opts.MaxConnections),
		connectTimeout: opts.ConnectTimeout,
		tlsTimeout:     opts.TLSHandshakeTimeout,
		writeTimeout:   opts.WriteTimeout,
		metrics:        s.metrics,
		log:            s.log.With("component", "mqtt"),
		release:        s.release,
	}
	s.wsMount = newWSMount(s.conns)
	s.kp, s.rest = s.kpHandler(), s.restHandler()
	s.device = s.deviceHandler()
	return s, nil
}

// Start connects to NATS and opens the listeners. NATS may come later: the
// replica keeps retrying and reports 503 on /health until it is connected.
func (s *Server) Start(ctx context.Context) error {
	// Revocation events missed in a gap (a disconnect, a slow consumer)
	// would leave revoked tokens cached: forget every cached token then.
	nc, err := natsconn.Connect(s.opts.NATS, "kaactl kpc "+s.opts.ReplicaID, s.log, natsconn.Events{
		Error: func(kind string) { s.metrics.natsErrors.WithLabelValues(kind).Inc() },
		Gap:   s.tokens.clear,
	})
	if err != nil {
		return err
	}
	s.nc = nc
	subs := []struct {
		subj string
		fn   nats.MsgHandler
	}{
		{ism.ReplicaSubject(s.opts.ReplicaID, "*", ">"), s.onReplicaMessage},
		{ism.ServiceSubject(s.opts.Instance, ism.ProtoESP, ism.MsgExtensionData), func(m *nats.Msg) { s.onExtensionData(m, false) }},
		{ism.EventSubject(ism.AnyToken, ism.EntityEndpoint, ism.GroupToken, ism.EventRevoked), s.onTokenRevoked},
		{ism.EventSubject(ism.AnyToken, ism.EntityClientCredentials, ism.GroupBasic, ism.EventRevoked), s.onCredentialsRevoked},
		{ism.EventSubject(ism.AnyToken, ism.EntityClientCredentials, ism.GroupCertificate, ism.EventRevoked), s.onCredentialsRevoked},
		{ism.EventSubject(ism.AnyToken, ism.EntityService, ism.GroupConfiguration, ism.EventUpsert), s.onConfigEvent},
		{ism.EventSubject(ism.AnyToken, ism.EntityService, ism.GroupConfiguration, ism.EventDelete), s.onConfigEvent},
	}
	for _, sub := range subs {
		if _, err := nc.Subscribe(sub.subj, sub.fn); err != nil {
			nc.Close()
			return fmt.Errorf("subscribe %s: %w", sub.subj, err)
		}
	}
	if err := s.startAdmin(); err != nil {
		nc.Close()
		return err
	}

	if nc.IsConnected() { // make sure the server has the subscriptions before we accept requests
		_ = nc.FlushTimeout(5 * time.Second)
	}
	if err := s.loadCert(); err != nil {
		nc.Close()
		return err
	}
	if err := s.startMQTT(); err != nil {
		nc.Close()
		return err
	}
	if err := s.startHTTP(); err != nil {
		s.closeMQTT()
		nc.Close()
		return err
	}
	s.log.Info("kpc started", "mqtt", s.MQTTAddr(), "mqtts", s.MQTTSAddr(), "ws", s.WSAddr(), "wss", s.WSSAddr(), "http", s.HTTPAddr(),
		"https", s.HTTPSAddr(), "rest", s.RESTAddr(), "client_ca", s.opts.ClientCA != "", "nats", s.opts.NATS.Redacted())
	return nil
}

// tlsConfigs returns the TLS configs of secure WebSocket and of MQTT/TLS
// with the loaded server certificate; MQTT/TLS asks for client certificates
// of ClientCA's authorities when there is one.
func (s *Server) tlsConfigs() (wss, mqtts *tls.Config, err error) {
	wss, mqtts = s.cert.ServerConfig(), s.cert.ServerConfig()
	if s.opts.ClientCA != "" {
		pem, err := os.ReadFile(s.opts.ClientCA)
		if err != nil {
			return nil, nil, fmt.Errorf("client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("client-ca %s: no PEM certificate in it", s.opts.ClientCA)
		}
		// Verified when given: anonymous and basic clients still connect
		// over TLS, unless their tenant requires x509 (see policies). Go
		// checks the chain, the validity period and that the key may be
		// used for client authentication.
		mqtts.ClientAuth, mqtts.ClientCAs = tls.VerifyClientCertIfGiven, pool
	}
	return wss, mqtts, nil
}

func (s *Server) startMQTT() error {
	if !s.opts.mqtt() {
		return nil
	}
	var wssConfig, tlsConfig *tls.Config
	if s.cert != nil {
		var err error
		if wssConfig, tlsConfig, err = s.tlsConfigs(); err != nil {
			return err
		}
	}
	// 1/KP needs CONNECT, publishes to kp1/ and replies: what else MQTT
	// offers is off (retain, sessions that outlive a connection, topic
	// aliases, $SYS) or bounded.
	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = uint32(s.opts.maxPacketSize())
	caps.RetainAvailable = 0 // nothing is routed, so nothing is retained
	// QoS 2 requests get the exactly-once handshake (a v3.1.1 client cannot be
	// told QoS 2 is unsupported); replies go at QoS 1 at most (see OnPublish).
	caps.MaximumQos = 2
	caps.MaximumSessionExpiryInterval = 0 // sessions live as long as their connection
	// Not advertised, so a v5 alias is a protocol error (DISCONNECT 0x94): the
	// ACL would see the empty topic, and every alias pins a topic.
	caps.TopicAliasMaximum = 0
	caps.ReceiveMaximum = uint16(s.opts.MaxInFlight) // inbound QoS 2 awaiting PUBREL
	caps.MaximumInflight = uint16(s.opts.MaxInFlight)
	// mochi allocates this queue per client up front (8192 pointers by
	// default); it carries only routed messages, and KPC routes none
	// (replies are written straight to their client, see writePublish).
	caps.MaximumClientWritesPending = 8
	s.mqtt = mqtt.New(&mqtt.Options{
		Capabilities: caps,
		Logger:       newMochiLogger(s.log.With("component", "mqtt")),
		// mochi has no switch for $SYS: publish it once a lifetime (at
		// Serve, then cleared) instead of every second, which also spares a
		// stop-the-world ReadMemStats per second.
		SysTopicResendInterval: math.MaxInt32,
		// Allocated per client at accept (2 KiB by default) and held while
		// it idles. A packet larger than the buffer is read straight into
		// its own slice, so a small one costs only more reads when small
		// packets arrive back to back.
		ClientNetReadBufferSize: mochiReadBuffer,
	})
	if err := s.mqtt.AddHook(&hook{s: s}, nil); err != nil {
		return fmt.Errorf("mqtt hook: %w", err)
	}
	// One server, so one hook: every transport is isolated and relayed alike.
	add := func(name, addr string, l listeners.Listener) error {
		if err := s.mqtt.AddListener(l); err != nil {
			s.closeMQTT() // closes the listeners added so far
			return fmt.Errorf("%s listen %s: %w", name, addr, err)
		}
		return nil
	}
	establish := s.establishAsync()
	s.startIdlePoller()
	if s.opts.MQTTAddr != "" {
		s.mqttLn = newDeviceListener(listenerTCP, s.opts.MQTTAddr, nil, s.conns, establish)
		if err := add("mqtt", s.opts.MQTTAddr, s.mqttLn); err != nil {
			return err
		}
	}
	if s.opts.MQTTSAddr != "" {
		s.mqttsLn = newDeviceListener(listenerTLS, s.opts.MQTTSAddr, tlsConfig, s.conns, establish)
		if err := add("mqtts", s.opts.MQTTSAddr, s.mqttsLn); err != nil {
			return err
		}
	}
	if s.opts.WSAddr != "" {
		s.wsLn = newWSListener(listenerWS, s.opts.WSAddr, nil, s.conns)
		if err := add("mqtt websocket", s.opts.WSAddr, s.wsLn); err != nil {
			return err
		}
	}
	if s.opts.WSSAddr != "" {
		s.wssLn = newWSListener(listenerWSS, s.opts.WSSAddr, wssConfig, s.conns)
		if err := add("mqtt secure websocket", s.opts.WSSAddr, s.wssLn); err != nil {
			return err
		}
	}
	// Always there, so that DeviceHandler's /ws works wherever it is mounted.
	if err := add("mqtt websocket on https", listenerHTTPS, s.wsMount); err != nil {
		return err
	}
	if err := s.mqtt.Serve(); err != nil {
		s.closeMQTT()
		return fmt.Errorf("mqtt serve: %w", err)
	}
	for topic := range s.mqtt.Topics.Retained.GetAll() { // the $SYS topics Serve published
		s.mqtt.Topics.RetainMessage(packets.Packet{TopicName: topic})
	}
	s.wsMount.open(s.mqtt.EstablishConnection)
	return nil
}

// asyncEstablisher is the mochi of third_party/mochi (go.mod's replace).
type asyncEstablisher interface {
	EstablishConnectionAsync(listener string, c net.Conn, ended func(error))
}

// establishAsync is mochi's EstablishConnectionAsync, or nil when KPC is
// built (as a library, whose users' go.mod lacks kaactl's replace) against
// upstream mochi: each connection then keeps the goroutine that accepted it.
func (s *Server) establishAsync() func(string, net.Conn, func(error)) {
	if a, ok := any(s.mqtt).(asyncEstablisher); ok {
		return a.EstablishConnectionAsync
	}
	return nil
}

// sessionReadIdle is how long an MQTT/TCP session may send nothing before
// it waits for its next packet without a goroutine: a session that idles
// holds no goroutine or stack (about 2.5 KiB), and a connect does not make
// one (docs/ARCHITECTURE.md). A session becomes active again with its next
// packet, on a new goroutine.
const sessionReadIdle = 10 * time.Second

// awaiter is the mochi of third_party/mochi (go.mod's replace); its
// mqtt.AwaitReadable is spelled out, as upstream mochi lacks the name.
type awaiter interface {
	SetAwaitReadable(await func(c net.Conn, deadline time.Time, ready func(expired bool)) (cancel func(), ok bool), idle time.Duration)
}

// startIdlePoller has idle MQTT/TCP sessions wait in a netpoll.Poller
// instead of on a goroutine each. Not MQTT/TLS or WebSocket: crypto/tls
// and the WebSocket framing may hold bytes of the next packet already read
// off the socket, which a readiness wait would never see.
func (s *Server) startIdlePoller() {
	a, ok := any(s.mqtt).(awaiter)
	if !ok {
		return
	}
	p, err := netpoll.New()
	if err != nil { // out of descriptors, say: sessions keep a reader goroutine each
		s.log.Warn("mqtt idle poller not started; idle sessions keep a goroutine", "error", err)
		return
	}
	s.idle.Store(p)
	idle := s.opts.readIdle
	if idle == 0 {
		idle = sessionReadIdle
	}
	a.SetAwaitReadable(func(c net.Conn, deadline time.Time, ready func(bool)) (func(), bool) {
		dc, ok := c.(*deviceConn)
		if !ok {
			return nil, false
		}
		bc, ok := dc.Conn.(*boundedConn)
		if !ok {
			return nil, false
		}
		return p.Await(bc.Conn, deadline, ready)
	}, idle)
}

// idleWaiting is the number of MQTT/TCP sessions waiting in the poller.
func (s *Server) idleWaiting() float64 {
	if p := s.idle.Load(); p != nil {
		return float64(p.Len())
	}
	return 0
}

// sessionLimits are a new session's limits; an MQTT v5 client may ask for a
// smaller window (its Receive Maximum, which mochi caps at MaxInFlight).
func (s *Server) sessionLimits(cl *mqtt.Client) sessionLimits {
	window := s.opts.MaxInFlight
	if rm := int(cl.Properties.Props.ReceiveMaximum); rm > 0 && rm < window {
		window = rm
	}
	return sessionLimits{
		bytes:        s.opts.MaxQueuedBytes,
		window:       window,
		inFlight:     int32(s.opts.MaxInFlight),
		writeTimeout: s.opts.WriteTimeout,
	}
}

// closeMQTT stops the MQTT server. The listeners are closed with our own
// client closer first, so mochi's Close finds them closed and never calls
// Clients.GetByListener: in mochi v2.7.9 that takes the clients read lock
// twice, and a client disconnecting in between (Clients.Delete waiting for
// the write lock) blocks both for good (mochi-mqtt/server#488).
func (s *Server) closeMQTT() {
	if s.mqtt == nil {
		return
	}
	s.mqttOnce.Do(func() {
		s.mqtt.Listeners.CloseAll(s.disconnectListenerClients) // returns once every client goroutine has ended
		_ = s.mqtt.Close()
		if p := s.idle.Load(); p != nil {
			_ = p.Close()
		}
	})
}

// disconnectListenerClients is mochi's closeListenerClients over a snapshot
// taken under a single read lock.
func (s *Server) disconnectListenerClients(listener string) {
	for _, cl := range s.mqtt.Clients.GetAll() {
		if cl.Net.Listener == listener && !cl.Closed() {
			_ = s.mqtt.DisconnectClient(cl, packets.ErrServerShuttingDown)
		}
	}
}

func (s *Server) startHTTP() error {
	listen := func(name, addr string, h http.Handler, tls *tlsutil.Certificate) (*httpx.Server, error) {
		o := httpx.Options{Addr: addr, Handler: h, Logger: s.log.With("listener", name)}
		if tls != nil {
			o.TLS = tls.ServerConfig()
		}
		srv, err := httpx.Listen(o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return srv, nil
	}
	var err error
	if s.httpSrv, err = listen("kp http", s.opts.HTTPAddr, httpx.StripPrefix(s.opts.PathPrefix, s.kp), nil); err != nil {
		return err
	}
	if s.httpsSrv, err = listen("https", s.opts.HTTPSAddr, httpx.StripPrefix(s.opts.PathPrefix, s.device), s.cert); err != nil {
		_ = s.httpSrv.Close()
		return err
	}
	if s.restSrv, err = listen("rest", s.opts.RESTAddr, s.rest, nil); err != nil {
		_ = s.httpSrv.Close()
		_ = s.httpsSrv.Close()
		return err
	}
	return nil
}

// MQTTAddr is the bound MQTT/TCP address ("" when disabled).
func (s *Server) MQTTAddr() string { return addressOf(s.mqttLn) }

// MQTTSAddr is the bound MQTT/TLS address ("" when disabled).
func (s *Server) MQTTSAddr() string { return addressOf(s.mqttsLn) }

// WSAddr is the bound MQTT over WebSocket address ("" when disabled); the
// WebSocket path is WSPath.
func (s *Server) WSAddr() string { return addressOf(s.wsLn) }

// WSSAddr is the bound MQTT over secure WebSocket address ("" when
// disabled); the WebSocket path is WSPath.
func (s *Server) WSSAddr() string { return addressOf(s.wssLn) }

// addressOf is l's address, "" when the listener is disabled (nil).
func addressOf[L interface {
	*deviceListener | *wsListener
	Address() string
}](l L) string {
	if l == nil {
		return ""
	}
	return l.Address()
}

// CertPEM is the server certificate (PEM) of MQTT/TLS, secure WebSocket and
// HTTPS that devices must trust; nil when TLS is off or before Start.
func (s *Server) CertPEM() []byte {
	if s.cert == nil {
		return nil
	}
	return s.cert.PEM
}

// HTTPAddr is the bound 1/KP over HTTP address ("" when disabled).
func (s *Server) HTTPAddr() string { return s.httpSrv.Addr() }

// RESTAddr is the bound management address ("" when disabled).
func (s *Server) RESTAddr() string { return s.restSrv.Addr() }

// ReplicaID identifies this replica on NATS.
func (s *Server) ReplicaID() string { return s.opts.ReplicaID }

// Ready reports whether the replica can serve: connected to NATS, not draining.
func (s *Server) Ready() bool {
	return s.nc != nil && s.nc.IsConnected() && !s.draining.Load()
}

// Shutdown drains: it refuses new connections and requests, waits for
// in-flight requests to be answered (or ctx to end), disconnects clients
// (publishing their ELCE disconnected events) and flushes NATS. Idempotent.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		s.draining.Store(true)
		s.log.Info("kpc draining", "in_flight", s.pending.len())
		// Waits for in-flight HTTP requests, which wait for their replies.
		for _, l := range []struct {
			name string
			srv  *httpx.Server
		}{{"kp http", s.httpSrv}, {"https", s.httpsSrv}} {
			if err := l.srv.Shutdown(ctx); err != nil {
				s.shutdownErr = errors.Join(s.shutdownErr, fmt.Errorf("%s shutdown: %w", l.name, err))
			}
		}
		tick := time.NewTicker(5 * time.Millisecond)
		// Requests whose client has gone cannot be answered: not worth waiting for.
		for (s.pending.awaited() > 0 || s.sessions.queued() > 0) && ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
		tick.Stop()
		s.closeMQTT() // disconnects every client: OnDisconnect publishes ELCE
		s.stopAdmin()
		_ = s.restSrv.Close()
		if err := natsconn.Close(ctx, s.nc); err != nil {
			s.shutdownErr = errors.Join(s.shutdownErr, err)
		}
		s.log.Info("kpc stopped")
	})
	return s.shutdownErr
}
