package api

import "time"

// The sessions admin API of KPC over NATS: every replica of a KPC instance
// subscribes (no queue group) to
//
//	kaa.v1.service.<kpc>.admin.sessions   SessionsRequest → SessionsPage...
//	kaa.v1.service.<kpc>.admin.kick       KickRequest     → KickReply
//	kaa.v1.service.<kpc>.admin.presence   Presence (every PresenceInterval)
//
// so one request reaches all of them and the client gathers the answers
// until a deadline. Each answer names the replica's peers (the replicas it
// heard a Presence from within PeerTTL): a peer that does not answer is
// missing. The messages are JSON, versioned by V.
const (
	// SessionsAPIVersion is the V of every message of the sessions API.
	SessionsAPIVersion = 1
	// MaxSessionsPageSize bounds the sessions of one SessionsPage.
	MaxSessionsPageSize = 1000
	// DefaultSessionsPageSize is the page size when a request names none.
	DefaultSessionsPageSize = 500
	// MaxAdminRequest bounds a request a replica reads.
	MaxAdminRequest = 64 << 10
	// PresenceInterval is how often a replica announces itself.
	PresenceInterval = 5 * time.Second
	// PeerTTL is how long a replica that stopped announcing itself is still
	// expected to answer (and reported missing when it does not).
	PeerTTL = time.Minute
)

// Subject tokens of the sessions API below kaa.v1.service.<kpc>.
const (
	AdminProto       = "admin"
	AdminMsgSessions = "sessions"
	AdminMsgKick     = "kick"
	AdminMsgPresence = "presence"
)

// Session is one live MQTT session of a KPC replica.
type Session struct {
	Replica  string `json:"replica"`
	ClientID string `json:"clientId"`
	Remote   string `json:"remote"`
	// Transport is mqtt, mqtts, ws or wss.
	Transport string `json:"transport"`
	// Tenant is the authenticated identity's tenant, else that of the
	// application of the first endpoint the session acts for ("" before).
	Tenant string `json:"tenant,omitempty"`
	// Identity is how the client authenticated (nil: anonymous).
	Identity     *Identity         `json:"identity,omitempty"`
	Endpoints    []SessionEndpoint `json:"endpoints"`
	ConnectedAt  time.Time         `json:"connectedAt"`
	LastActivity time.Time         `json:"lastActivity"`
	// Messages and bytes (topic and payload of PUBLISH packets) in from the
	// client and out to it.
	MsgsIn   int64 `json:"msgsIn"`
	MsgsOut  int64 `json:"msgsOut"`
	BytesIn  int64 `json:"bytesIn"`
	BytesOut int64 `json:"bytesOut"`
}

// SessionEndpoint is an endpoint a session acts for.
type SessionEndpoint struct {
	EndpointID string `json:"endpointId"`
	AppName    string `json:"appName"`
	AppVersion string `json:"appVersion"`
}

// Identity is the authenticated identity of a session.
type Identity struct {
	// Kind is basic or x509.
	Kind          string `json:"kind"`
	Tenant        string `json:"tenant,omitempty"`
	Subject       string `json:"subject,omitempty"` // username or certificate subject
	CredentialsID string `json:"credentialsId,omitempty"`
	// ClientID is the client ID the provider holds for the credentials.
	ClientID string `json:"clientId,omitempty"`
}

// SessionFilter selects sessions; empty fields match everything, others
// must match exactly.
type SessionFilter struct {
	Tenant     string `json:"tenant,omitempty"`
	App        string `json:"app,omitempty"`
	EndpointID string `json:"endpointId,omitempty"`
	ClientID   string `json:"clientId,omitempty"`
	Transport  string `json:"transport,omitempty"`
}

// Match reports whether s passes the filter.
func (f SessionFilter) Match(s *Session) bool {
	if (f.Tenant != "" && f.Tenant != s.Tenant) || (f.ClientID != "" && f.ClientID != s.ClientID) ||
		(f.Transport != "" && f.Transport != s.Transport) {
		return false
	}
	if f.App == "" && f.EndpointID == "" {
		return true
	}
	for _, ep := range s.Endpoints {
		if (f.App == "" || f.App == ep.AppName) && (f.EndpointID == "" || f.EndpointID == ep.EndpointID) {
			return true
		}
	}
	return false
}

// SessionsRequest asks every replica for its sessions.
type SessionsRequest struct {
	V      int           `json:"v"`
	Filter SessionFilter `json:"filter"`
	// PageSize is the most sessions in one answer (default
	// DefaultSessionsPageSize, at most MaxSessionsPageSize).
	PageSize int `json:"pageSize,omitempty"`
	// Limit is the most sessions a replica sends (0: all).
	Limit int `json:"limit,omitempty"`
}

// SessionsPage is one answer of a replica; it sends Pages of them, at least
// one.
type SessionsPage struct {
	V       int    `json:"v"`
	Replica string `json:"replica"`
	Page    int    `json:"page"`
	Pages   int    `json:"pages"`
	// Total is how many sessions matched on the replica (before Limit).
	Total    int       `json:"total"`
	Peers    []string  `json:"peers,omitempty"`
	Sessions []Session `json:"sessions"`
	Error    string    `json:"error,omitempty"`
}

// KickRequest asks the replica holding a client's session to close it.
type KickRequest struct {
	V        int    `json:"v"`
	ClientID string `json:"clientId"`
	// Replica limits the kick to one replica ("": any).
	Replica string `json:"replica,omitempty"`
	// Reason is logged by the replica.
	Reason string `json:"reason,omitempty"`
}

// KickReply is every replica's answer to a KickRequest.
type KickReply struct {
	V       int      `json:"v"`
	Replica string   `json:"replica"`
	Kicked  bool     `json:"kicked"`
	Peers   []string `json:"peers,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// Presence is a replica's announcement of itself.
type Presence struct {
	V        int       `json:"v"`
	Replica  string    `json:"replica"`
	Sessions int       `json:"sessions"`
	Started  time.Time `json:"started"`
}

// ReplicaSessions is GET /api/v1/sessions of one replica.
type ReplicaSessions struct {
	ReplicaID string    `json:"replicaId"`
	Sessions  []Session `json:"sessions"`
}
