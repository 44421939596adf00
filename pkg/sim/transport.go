package sim

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// conn is one endpoint's connection to KPC. send fires a 1/KP request; its
// outcome reaches the endpoint through complete (or lose, for MQTT).
type conn interface {
	send(ext, resource string, id uint64, payload []byte)
	close()
}

// maxReplyBody bounds the reply bodies the simulator reads.
const maxReplyBody = 1 << 20

// statusOf maps a 1/KP error payload {"statusCode":N,...} to N (0 if absent).
func statusOf(payload []byte) int {
	var body struct {
		StatusCode int `json:"statusCode"`
	}
	if json.Unmarshal(payload, &body) != nil {
		return 0
	}
	return body.StatusCode
}

// mqttConn is a paho client: replies arrive on <request topic>/status or /error.
type mqttConn struct {
	cl     paho.Client
	prefix string // kp1/<app>/
	token  string
	qos    byte
}

func (c *mqttConn) send(ext, resource string, id uint64, payload []byte) {
	var b strings.Builder
	b.Grow(len(c.prefix) + len(ext) + len(c.token) + len(resource) + 24)
	b.WriteString(c.prefix)
	b.WriteString(ext)
	b.WriteByte('/')
	b.WriteString(c.token)
	b.WriteByte('/')
	b.WriteString(resource)
	b.WriteByte('/')
	b.WriteString(strconv.FormatUint(id, 10))
	c.cl.Publish(b.String(), c.qos, false, payload)
}

func (c *mqttConn) close() { closePaho(c.cl) }

// closePaho disconnects without letting a stalled paho Disconnect (on a
// connection the broker is closing at the same time) hold the caller.
func closePaho(cl paho.Client) {
	done := make(chan struct{})
	go func() { defer close(done); cl.Disconnect(20) }()
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// dialMQTT connects endpoint e (one paho client per connection). gen tags
// the connection so that a late loss of an old one is ignored.
//
// The options trim what paho holds and does per client, a fleet being
// thousands of them: no pinger (the run's keeper pings, see netConn), no
// store (a clean session that never resumes has nothing to keep; paho's
// memory store would put and delete every QoS 1 packet), replies handled on
// paho's router goroutine (onMessage never blocks; unordered, paho starts a
// goroutine per message) and no write deadline per packet (a stuck
// connection shows as an unanswered ping instead).
func (r *run) dialMQTT(ctx context.Context, e *endpoint, gen uint64) (conn, error) {
	var nc *netConn // set by paho's connect goroutine before tok is done
	opts := paho.NewClientOptions().AddBroker(r.o.URL).
		SetClientID("kaasim-" + r.runID + "-" + strconv.Itoa(e.i) + "-" + strconv.FormatUint(gen, 10)).
		SetAutoReconnect(false).SetConnectRetry(false).SetOrderMatters(true).SetCleanSession(true).
		SetConnectTimeout(r.o.Timeout).SetWriteTimeout(0).SetKeepAlive(0).SetStore(noStore{}).
		// The reply's PUBACK first, then the reply (which may release the
		// next request): so the PUBACK is already held when the request is
		// written, and goes with it (see netConn.Write).
		SetAutoAckDisabled(true).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) { m.Ack(); e.onMessage(m.Topic(), m.Payload()) }).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			if nc != nil && nc.timedOut.Load() {
				err = errPingTimeout
			}
			e.lose(gen, err)
		}).
		SetCustomOpenConnectionFn(func(uri *url.URL, o paho.ClientOptions) (net.Conn, error) {
			c, err := r.open(uri, o)
			if err != nil {
				return nil, err
			}
			nc = c
			return c, nil
		})
	tlsConf, err := r.tlsFor(e)
	if err != nil {
		return nil, err
	}
	if tlsConf != nil {
		opts.SetTLSConfig(tlsConf)
	}
	if r.o.Credentials != nil {
		user, pass := r.o.Credentials(e.i)
		opts.SetUsername(user).SetPassword(pass)
	}
	cl := paho.NewClient(opts)
	tok := cl.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		// paho gives up on its own connect timeout; disconnect once it has.
		go func() { tok.Wait(); cl.Disconnect(0) }()
		return nil, ctx.Err()
	}
	if err := tok.Error(); err != nil {
		return nil, err
	}
	// Subscribe to the replies, as devices do: KPC writes them to the
	// requesting session anyway, but a plain broker (a baseline) delivers
	// only to subscribers. Exact filters, so requests do not echo back.
	prefix := "kp1/" + r.o.AppVersion + "/"
	filters := map[string]byte{}
	addReplies := func(ext, resource string) {
		base := prefix + ext + "/" + e.token + "/" + resource + "/+/"
		filters[base+"status"] = r.o.QoS
		filters[base+"error"] = r.o.QoS
	}
	if e.scen == ScenarioKP {
		addReplies(r.o.Extension, r.o.Resource)
	}
	if e.scen == ScenarioUpload {
		addReplies(r.o.BCXExtension, "token")
	}
	if len(filters) > 0 {
		st := cl.SubscribeMultiple(filters, nil)
		if !st.WaitTimeout(r.o.Timeout) || st.Error() != nil {
			closePaho(cl)
			if st.Error() != nil {
				return nil, fmt.Errorf("subscribe: %w", st.Error())
			}
			return nil, errors.New("subscribe: no SUBACK in time")
		}
		// paho's reader holds on to the last packet it read, and a SUBACK
		// keeps a 1 KiB buffer: a PINGRESP takes its place at once.
		nc.ping(r.o.Timeout)
	}
	r.keeper.add(nc)
	return &mqttConn{cl: cl, prefix: prefix, token: e.token, qos: r.o.QoS}, nil
}

// httpConn sends each request as POST /kp1/<app>/<ext>/<token>/<resource>
// and completes it with the HTTP status and body.
type httpConn struct {
	e    *endpoint
	hc   *http.Client
	own  bool   // hc is this endpoint's alone
	base string // <url>/kp1/<app>/
}

func (c *httpConn) send(ext, resource string, id uint64, payload []byte) {
	target := c.base + ext + "/" + c.e.token + "/" + resource
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.e.r.o.Timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(payload))
		if err != nil {
			c.e.complete(id, -1, nil)
			return
		}
		if creds := c.e.r.o.Credentials; creds != nil {
			req.SetBasicAuth(creds(c.e.i))
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return // the sweeper counts it as a timeout
			}
			c.e.complete(id, -1, nil)
			return
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBody))
		resp.Body.Close()
		if err != nil {
			c.e.complete(id, -1, nil)
			return
		}
		c.e.complete(id, resp.StatusCode, body)
	}()
}

// dialHTTP makes endpoint e's HTTP "connection": the shared client, or one
// of its own when it presents its own certificate.
func (r *run) dialHTTP(e *endpoint) (conn, error) {
	hc := r.kpHTTP
	if r.o.ClientCert != nil {
		conf, err := r.tlsFor(e)
		if err != nil {
			return nil, err
		}
		hc = newHTTPClient(1, conf)
	}
	return &httpConn{e: e, hc: hc, own: hc != r.kpHTTP, base: strings.TrimSuffix(r.o.URL, "/") + "/kp1/" + r.o.AppVersion + "/"}, nil
}

func (c *httpConn) close() {
	if c.own {
		c.hc.CloseIdleConnections()
	}
}

// tlsFor is the TLS config of endpoint e: Options.TLS, with e's own client
// certificate when Options.ClientCert is set.
func (r *run) tlsFor(e *endpoint) (*tls.Config, error) {
	if r.o.ClientCert == nil {
		return r.o.TLS, nil
	}
	cert, err := r.o.ClientCert(e.i)
	if err != nil {
		return nil, err
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if r.o.TLS != nil {
		conf = r.o.TLS.Clone()
	}
	// Presented whenever KPC asks, whatever authorities it names (Go would
	// otherwise send none and connect anonymously): a certificate KPC does
	// not accept shows as an auth_certificate error.
	conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	return conf, nil
}

func newHTTPClient(endpoints int, tlsConf *tls.Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = min(endpoints, 4096)
	tr.MaxIdleConnsPerHost = min(endpoints, 4096)
	tr.ForceAttemptHTTP2 = false
	if tlsConf != nil {
		tr.TLSClientConfig = tlsConf
	}
	return &http.Client{Transport: tr}
}

// noStore is a paho Store that keeps nothing: sessions are clean and never
// resumed, so there is nothing to send again after a reconnect.
type noStore struct{}

func (noStore) Open()                             {}
func (noStore) Put(string, packets.ControlPacket) {}
func (noStore) Get(string) packets.ControlPacket  { return nil }
func (noStore) All() []string                     { return nil }
func (noStore) Del(string)                        {}
func (noStore) Close()                            {}
func (noStore) Reset()                            {}

var _ paho.Store = noStore{}
