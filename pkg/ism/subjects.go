package ism

import "strings"

// Protocol names and message types used on NATS subjects.
const (
	ProtoESP           = "esp"
	MsgClientData      = "ClientData"
	MsgExtensionData   = "ExtensionData"
	ProtoECAP          = "ecap"
	MsgEPTokenRequest  = "ep-token-request"
	MsgEPTokenResponse = "ep-token-response"
	ProtoCAP           = "cap"
	MsgBasicRequest    = "basic-request"
	MsgBasicResponse   = "basic-response"
	MsgCertRequest     = "certificate-request"
	MsgCertResponse    = "certificate-response"

	EntityEndpoint          = "endpoint"
	EntityClientCredentials = "client-credentials"
	EntityService           = "service"
	GroupConnectivity       = "connectivity"
	GroupToken              = "token"
	GroupLifecycle          = "lifecycle"
	GroupBasic              = "basic"
	GroupCertificate        = "certificate"
	GroupConfiguration      = "configuration"
	EventConnected          = "connected"
	EventDisconnected       = "disconnected"
	EventRevoked            = "revoked"
	EventUpsert             = "upsert"
	EventDelete             = "delete"
)

// ServiceSubject is kaa.v1.service.<instance>.<protocol>.<type>: all replicas of an instance.
func ServiceSubject(instance, protocol, messageType string) string {
	return "kaa.v1.service." + instance + "." + protocol + "." + messageType
}

// ReplicaSubject is kaa.v1.replica.<replicaId>.<protocol>.<type>: one replica (session affinity).
func ReplicaSubject(replicaID, protocol, messageType string) string {
	return "kaa.v1.replica." + replicaID + "." + protocol + "." + messageType
}

// EventSubject is kaa.v1.events.<originator>.<entity>.<group>.<type>: broadcast.
func EventSubject(originator, entity, group, eventType string) string {
	return "kaa.v1.events." + originator + "." + entity + "." + group + "." + eventType
}

// ValidToken reports whether s can be one NATS subject token: instance names
// and replica IDs are placed into subjects verbatim.
func ValidToken(s string) bool {
	return s != "" && !strings.ContainsAny(s, ".*> \t\r\n")
}
