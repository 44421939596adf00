package ism

import (
	"unicode"
	"unicode/utf8"
)

// Protocol names: the {protocol-name} token of targeted subjects.
const (
	ProtoESP  = "esp"  // 4/ESP
	ProtoECAP = "ecap" // 16/ECAP
	ProtoCAP  = "cap"  // 22/CAP
	ProtoSCMP = "scmp" // 17/SCMP targeted configuration updates
)

// Message types: the {message-type} token of targeted subjects.
const (
	MsgClientData    = "ClientData"    // 4/ESP, to an extension
	MsgExtensionData = "ExtensionData" // 4/ESP, to a communication service

	MsgEPTokenRequest                  = "ep-token-request" // 16/ECAP
	MsgEPTokenResponse                 = "ep-token-response"
	MsgEPTokenStatusTransitionRequest  = "ep-token-status-transition-request"
	MsgEPTokenStatusTransitionResponse = "ep-token-status-transition-response"
	MsgClientUsernamePasswordRequest   = "client-username-password-request"
	MsgClientUsernamePasswordResponse  = "client-username-password-response"
	MsgClientCertificateRequest        = "client-certificate-request"
	MsgClientCertificateResponse       = "client-certificate-response"

	MsgBasicRequest        = "basic-request" // 22/CAP
	MsgBasicResponse       = "basic-response"
	MsgCertificateRequest  = "certificate-request"
	MsgCertificateResponse = "certificate-response"

	// 17/SCMP targeted updates use two tokens after the protocol:
	// kaa.v1.service.<instance>.scmp.configuration.<update-type>.
	MsgConfigurationUpsert = "configuration.upsert"
	MsgConfigurationDelete = "configuration.delete"
)

// Event subject tokens: kaa.v1.events.<originator>.<entity>.<group>.<type>.
const (
	EntityEndpoint          = "endpoint"           // 9/ELCE, 16/ECAP token revocation
	EntityClient            = "client"             // 16/ECAP credential revocation
	EntityClientCredentials = "client-credentials" // 22/CAP revocation
	EntityService           = "service"            // 17/SCMP broadcast updates
	EntityTenant            = "tenant"             // 21/TLE
	EntitySystem            = "system"             // 27/SCMP

	GroupConnectivity     = "connectivity"      // EventConnected, EventDisconnected
	GroupLifecycle        = "lifecycle"         // EventRegistered, EventUnregistered, EventAppVersionUpdated; tenant: EventUpdated, EventUnregistered
	GroupTrafficReporting = "traffic-reporting" // EventPayload
	GroupToken            = "token"             // EventRevoked
	GroupCredential       = "credential"        // EventRevoked (16/ECAP client credentials)
	GroupBasic            = "basic"             // EventRevoked (22/CAP username/password)
	GroupCertificate      = "certificate"       // EventRevoked (22/CAP x.509)
	GroupConfiguration    = "configuration"     // EventUpsert, EventDelete
	GroupConfig           = "config"            // EventUpdated (27/SCMP)

	EventConnected         = "connected"
	EventDisconnected      = "disconnected"
	EventRegistered        = "registered"
	EventUnregistered      = "unregistered"
	EventAppVersionUpdated = "appversion-updated"
	EventPayload           = "payload"
	EventRevoked           = "revoked"
	EventUpsert            = "upsert"
	EventDelete            = "delete"
	EventUpdated           = "updated"
)

// AnyToken is the NATS single-token wildcard, for subscribing with the
// subject builders, e.g. EventSubject(AnyToken, EntityEndpoint, GroupToken, EventRevoked).
const AnyToken = "*"

// ServiceSubject is kaa.v1.service.<instance>.<protocol>.<type>: a message for
// any replica of a service instance.
func ServiceSubject(instance, protocol, messageType string) string {
	return "kaa.v1.service." + instance + "." + protocol + "." + messageType
}

// ReplicaSubject is kaa.v1.replica.<replicaId>.<protocol>.<type>: a message for
// one replica, used as replyTo for session affinity.
func ReplicaSubject(replicaID, protocol, messageType string) string {
	return "kaa.v1.replica." + replicaID + "." + protocol + "." + messageType
}

// EventSubject is kaa.v1.events.<originator>.<entity>.<group>.<type>: a
// broadcast event.
func EventSubject(originator, entity, group, eventType string) string {
	return "kaa.v1.events." + originator + "." + entity + "." + group + "." + eventType
}

// ValidToken reports whether s can be one NATS subject token: non-empty, with
// no '.', '*', '>' or whitespace. Instance names and replica IDs go into
// subjects verbatim, so servers check them with it.
func ValidToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b == '.' || b == '*' || b == '>' || b == ' ' || ('\t' <= b && b <= '\r') {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			return false
		}
		i += size
	}
	return true
}
