package kpc

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// identity is who a client proved to be at CONNECT (22/CAP): anonymous (the
// zero value), basic credentials (user@tenant and password) or an X.509
// certificate. It binds the session: only the same identity may take over
// its client ID, revoking its credentials closes it, and tenant policies
// look at its method and tenant.
type identity struct {
	method        string // kaaconfig.AuthNone, AuthBasic or AuthX509
	tenant        string
	subject       string // basic: the username; x509: the certificate's subject DN
	credentialsID string
	clientID      string // the client ID the provider resolved for the credentials
	// mark is the session registry's revocation mark taken before the
	// provider was asked (sessionRegistry.add).
	mark uint64
}

// anonymous is the identity of a client that presented no credentials.
var anonymous = identity{}

// same reports whether two identities are the same credentials.
func (id identity) same(o identity) bool {
	return id.method == o.method && id.tenant == o.tenant && id.credentialsID == o.credentialsID
}

// credentialsKey indexes sessions by the credentials they authenticated
// with, for revocation; "" for anonymous ones.
func (id identity) credentialsKey() string {
	if id.method == kaaconfig.AuthNone {
		return ""
	}
	return credentialsKey(id.method, id.tenant, id.credentialsID)
}

func credentialsKey(method, tenant, credentialsID string) string {
	return method + "\x00" + tenant + "\x00" + credentialsID
}

// refusal is why a CONNECT is refused: the CONNACK code (v5; v3.1.1 clients
// get its v3 counterpart), the reason label of
// kaa_kpc_connections_closed_total and the log message.
type refusal struct {
	code   packets.Code
	reason string
	msg    string
}

var (
	refuseBadCredentials = refusal{packets.ErrBadUsernameOrPassword, reasonBadCredentials, "connection refused: bad user name or password"}
	refuseCertificate    = refusal{packets.ErrNotAuthorized, reasonNotAuthorized, "connection refused: client certificate not accepted by the CAP provider"}
	refuseClientIDInUse  = refusal{packets.ErrNotAuthorized, reasonClientIDInUse, "connection refused: client id in use by another identity"}
	refuseAuthDown       = refusal{packets.ErrServerUnavailable, reasonAuthUnavailable, "connection refused: CAP provider unavailable"}
	refuseDraining       = refusal{packets.ErrServerUnavailable, reasonDraining, "connection refused: server is shutting down"}
	refuseAuthRequired   = refusal{packets.ErrNotAuthorized, reasonAuthRequired, "connection refused: the tenant requires client authentication on this transport"}
)

// v3Codes are the MQTT v3.1.1 CONNACK return codes of the v5 reason codes
// KPC refuses with (mochi maps "bad user name or password" to 5, and "not
// authorized" to nothing).
var v3Codes = map[packets.Code]packets.Code{
	packets.ErrBadUsernameOrPassword: packets.ErrMalformedUsernameOrPassword, // 4: bad user name or password
	packets.ErrNotAuthorized:         packets.Err3NotAuthorized,              // 5
	packets.ErrServerUnavailable:     packets.Err3ServerUnavailable,          // 3
}

// refuse answers a CONNECT with r's code and counts and logs it.
func (s *Server) refuse(cl *mqtt.Client, r refusal, attrs ...any) {
	s.metrics.closed.WithLabelValues(r.reason).Inc()
	s.log.Info(r.msg, append([]any{"client", cl.ID, "remote", cl.Net.Remote, "listener", cl.Net.Listener}, attrs...)...)
	code := r.code
	if cl.Properties.ProtocolVersion < 5 {
		code = v3Codes[r.code]
	}
	_ = cl.WritePacket(packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Connack},
		ReasonCode:  code.Code,
		Properties:  packets.Properties{ReasonString: r.code.Reason},
	})
}

// capVerdict is a CAP provider's answer to a basic or certificate request.
type capVerdict struct {
	status        int
	reason        string
	tenant        string // certificate answers only
	credentialsID string
	clientID      string
}

// authenticate returns the identity a client proves with its CONNECT and,
// on MQTT/TLS, its certificate; or why it is refused. A verified
// certificate decides (a username beside it is not looked at); without
// one, a username is basic authentication; without either the client is
// anonymous. The CAP round trip blocks only this client's read loop and is
// bounded by AuthTimeout.
func (s *Server) authenticate(cl *mqtt.Client, pk packets.Packet) (identity, *refusal, []any) {
	var cert *x509.Certificate
	if dc := connOf(cl.Net.Conn); dc != nil {
		cert = dc.cert
	}
	c := &pk.Connect
	switch {
	case cert != nil:
		return s.authenticateCert(cert)
	case c.UsernameFlag:
		return s.authenticateBasic(string(c.Username), string(c.Password))
	case c.PasswordFlag:
		return anonymous, &refuseBadCredentials, []any{"why", "password without a user name"}
	}
	s.metrics.auth.WithLabelValues("anonymous", "ok").Inc()
	return anonymous, nil, nil
}

func (s *Server) authenticateBasic(username, password string) (identity, *refusal, []any) {
	user, tenant, ok := splitUsername(username)
	if !ok {
		s.metrics.auth.WithLabelValues(kaaconfig.AuthBasic, "refused").Inc()
		return anonymous, &refuseBadCredentials, []any{"why", "user name is not <username>@<tenantId>"}
	}
	attrs := []any{"tenant", tenant, "username", user}
	mark := s.sessions.revocationMark()
	req := ism.BasicAuthenticationRequest{
		CorrelationID: ism.NewCorrelationID(), Timestamp: ism.NowMillis(), Timeout: s.opts.AuthTimeout.Milliseconds(),
		TenantID: tenant, Username: user, Password: password,
	}
	v, err := s.askCAP(&req, req.CorrelationID, ism.MsgBasicRequest, s.capBasicReplySubject)
	if r, attrs := s.judge(kaaconfig.AuthBasic, v, err, &refuseBadCredentials, attrs); r != nil {
		return anonymous, r, attrs
	}
	return identity{method: kaaconfig.AuthBasic, tenant: tenant, subject: user, credentialsID: v.credentialsID, clientID: v.clientID, mark: mark}, nil, nil
}

// judge turns a CAP provider's answer (or its absence) into a refusal, nil
// when the credentials are accepted, and counts the outcome: no answer or
// a 5xx is "server unavailable", any other failure is refused.
func (s *Server) judge(method string, v capVerdict, err error, refused *refusal, attrs []any) (*refusal, []any) {
	result, r := "ok", (*refusal)(nil)
	switch {
	case err != nil:
		result, r, attrs = "unavailable", &refuseAuthDown, append(attrs, "error", err)
	case v.status >= 500:
		result, r, attrs = "unavailable", &refuseAuthDown, append(attrs, "status", v.status, "reason", v.reason)
	case v.status != http.StatusOK || v.credentialsID == "" || method == kaaconfig.AuthX509 && v.tenant == "":
		result, r, attrs = "refused", refused, append(attrs, "status", v.status, "reason", v.reason)
	}
	s.metrics.auth.WithLabelValues(method, result).Inc()
	return r, attrs
}

// splitUsername splits Kaa's MQTT user name <username>@<tenantId> at its
// last '@' (usernames may contain one, tenant IDs do not).
func splitUsername(s string) (user, tenant string, ok bool) {
	i := strings.LastIndexByte(s, '@')
	if i <= 0 || i == len(s)-1 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

func (s *Server) authenticateCert(cert *x509.Certificate) (identity, *refusal, []any) {
	issuer, serial := cert.Issuer.String(), cert.SerialNumber.String()
	attrs := []any{"issuer", issuer, "serial", serial}
	mark := s.sessions.revocationMark()
	req := ism.CertificateAuthenticationRequest{
		CorrelationID: ism.NewCorrelationID(), Timestamp: ism.NowMillis(), Timeout: s.opts.AuthTimeout.Milliseconds(),
		Issuer: issuer, SerialNumber: serial,
	}
	v, err := s.askCAP(&req, req.CorrelationID, ism.MsgCertificateRequest, s.capCertReplySubject)
	if r, attrs := s.judge(kaaconfig.AuthX509, v, err, &refuseCertificate, attrs); r != nil {
		return anonymous, r, attrs
	}
	return identity{method: kaaconfig.AuthX509, tenant: v.tenant, subject: cert.Subject.String(), credentialsID: v.credentialsID, clientID: v.clientID, mark: mark}, nil, nil
}

// errNATSDown refuses authentication at once while NATS is unreachable.
var errNATSDown = errors.New("nats not connected")

// askCAP sends a CAP request (an ism message) and waits for its verdict.
func (s *Server) askCAP(req any, correlationID, msgType, reply string) (capVerdict, error) {
	if !s.nc.IsConnected() {
		return capVerdict{}, errNATSDown
	}
	data, err := ism.Marshal(req)
	if err != nil {
		return capVerdict{}, fmt.Errorf("encode %s: %w", msgType, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.AuthTimeout)
	defer cancel()
	return s.capReplies.await(ctx, correlationID, func() error {
		return s.request(ism.ServiceSubject(s.opts.CAPProvider, ism.ProtoCAP, msgType), reply, data)
	})
}

func (s *Server) onBasicResponse(m *nats.Msg) {
	var r ism.BasicAuthenticationResponse
	if !s.decode(m, &r, "basic-response") {
		return
	}
	s.capReplies.deliver(r.CorrelationID, capVerdict{status: int(r.StatusCode), reason: deref(r.ReasonPhrase),
		credentialsID: deref(r.CredentialsID), clientID: deref(r.ClientID)})
}

func (s *Server) onCertificateResponse(m *nats.Msg) {
	var r ism.CertificateAuthenticationResponse
	if !s.decode(m, &r, "certificate-response") {
		return
	}
	s.capReplies.deliver(r.CorrelationID, capVerdict{status: int(r.StatusCode), reason: deref(r.ReasonPhrase),
		tenant: deref(r.TenantID), credentialsID: deref(r.CredentialsID), clientID: deref(r.ClientID)})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
