package ism

// Field names follow the .avsc files exactly (avro tags); nullable unions are
// pointers so that null and "" stay distinct.

// ClientData (4/ESP) carries a client request from a communication service to an extension.
type ClientData struct {
	CorrelationID  string  `avro:"correlationId"`
	Timestamp      int64   `avro:"timestamp"`
	Timeout        int64   `avro:"timeout"`
	AppVersionName string  `avro:"appVersionName"`
	EndpointID     *string `avro:"endpointId"`
	ResourcePath   string  `avro:"resourcePath"`
	RequestID      *int32  `avro:"requestId"`
	Payload        []byte  `avro:"payload"`
	ConfigName     *string `avro:"configName"`
}

// ExtensionData (4/ESP) carries an extension's answer or message to a client.
type ExtensionData struct {
	CorrelationID         string  `avro:"correlationId"`
	Timestamp             int64   `avro:"timestamp"`
	Timeout               int64   `avro:"timeout"`
	AppVersionName        *string `avro:"appVersionName"`
	ExtensionInstanceName *string `avro:"extensionInstanceName"`
	EndpointID            *string `avro:"endpointId"`
	ResourcePath          string  `avro:"resourcePath"`
	RequestID             *int32  `avro:"requestId"`
	Payload               []byte  `avro:"payload"` // nil encodes as null
	StatusCode            int32   `avro:"statusCode"`
	ReasonPhrase          *string `avro:"reasonPhrase"`
}

// EndpointConnected (9/ELCE) lists endpoints (ID -> app version) that opened a session.
type EndpointConnected struct {
	CorrelationID       string            `avro:"correlationId"`
	Timestamp           int64             `avro:"timestamp"`
	Timeout             int64             `avro:"timeout"`
	Endpoints           map[string]string `avro:"endpoints"`
	OriginatorReplicaID string            `avro:"originatorReplicaId"`
}

// EndpointDisconnected (9/ELCE) lists endpoints whose session ended.
type EndpointDisconnected EndpointConnected

// EndpointTokenValidationRequest (16/ECAP) asks the provider which endpoint a token identifies.
type EndpointTokenValidationRequest struct {
	CorrelationID string `avro:"correlationId"`
	Timestamp     int64  `avro:"timestamp"`
	Timeout       int64  `avro:"timeout"`
	AppName       string `avro:"appName"`
	Token         string `avro:"token"`
}

// EndpointTokenValidationResponse (16/ECAP) is the provider's answer.
type EndpointTokenValidationResponse struct {
	CorrelationID string  `avro:"correlationId"`
	Timestamp     int64   `avro:"timestamp"`
	Timeout       int64   `avro:"timeout"`
	TokenID       *string `avro:"tokenId"`
	EndpointID    *string `avro:"endpointId"`
	StatusCode    int32   `avro:"statusCode"`
	ReasonPhrase  *string `avro:"reasonPhrase"`
}

// EndpointTokenRevokedEvent (16/ECAP) tells consumers to end sessions using the tokens.
type EndpointTokenRevokedEvent struct {
	CorrelationID       string   `avro:"correlationId"`
	Timestamp           int64    `avro:"timestamp"`
	Timeout             int64    `avro:"timeout"`
	AppName             string   `avro:"appName"`
	EndpointID          string   `avro:"endpointId"`
	TokenIDs            []string `avro:"tokenIds"`
	OriginatorReplicaID string   `avro:"originatorReplicaId"`
}

// EndpointTokenStatusTransitionRequest (16/ECAP) asks the provider to move a token to a status.
type EndpointTokenStatusTransitionRequest struct {
	CorrelationID string `avro:"correlationId"`
	Timestamp     int64  `avro:"timestamp"`
	Timeout       int64  `avro:"timeout"`
	AppName       string `avro:"appName"`
	Token         string `avro:"token"`
	TargetStatus  string `avro:"targetStatus"`
}

// EndpointTokenStatusTransitionResponse (16/ECAP) is the provider's answer.
type EndpointTokenStatusTransitionResponse struct {
	CorrelationID string  `avro:"correlationId"`
	Timestamp     int64   `avro:"timestamp"`
	Timeout       int64   `avro:"timeout"`
	StatusCode    int32   `avro:"statusCode"`
	ReasonPhrase  *string `avro:"reasonPhrase"`
}

// BasicAuthenticationRequest (22/CAP) checks a client's username and password within a tenant.
type BasicAuthenticationRequest struct {
	CorrelationID string `avro:"correlationId"`
	Timestamp     int64  `avro:"timestamp"`
	Timeout       int64  `avro:"timeout"`
	TenantID      string `avro:"tenantId"`
	Username      string `avro:"username"`
	Password      string `avro:"password"`
}

// BasicAuthenticationResponse (22/CAP) is the provider's answer.
type BasicAuthenticationResponse struct {
	CorrelationID string  `avro:"correlationId"`
	Timestamp     int64   `avro:"timestamp"`
	Timeout       int64   `avro:"timeout"`
	CredentialsID *string `avro:"credentialsId"`
	ClientID      *string `avro:"clientId"`
	StatusCode    int32   `avro:"statusCode"`
	ReasonPhrase  *string `avro:"reasonPhrase"`
}

// CertificateAuthenticationRequest (22/CAP) checks a client certificate (issuer, base-10 serial).
type CertificateAuthenticationRequest struct {
	CorrelationID string `avro:"correlationId"`
	Timestamp     int64  `avro:"timestamp"`
	Timeout       int64  `avro:"timeout"`
	Issuer        string `avro:"issuer"`
	SerialNumber  string `avro:"serialNumber"`
}

// CertificateAuthenticationResponse (22/CAP) is the provider's answer.
type CertificateAuthenticationResponse struct {
	CorrelationID string  `avro:"correlationId"`
	Timestamp     int64   `avro:"timestamp"`
	Timeout       int64   `avro:"timeout"`
	TenantID      *string `avro:"tenantId"`
	CredentialsID *string `avro:"credentialsId"`
	ClientID      *string `avro:"clientId"`
	StatusCode    int32   `avro:"statusCode"`
	ReasonPhrase  *string `avro:"reasonPhrase"`
}

// CredentialsRevokedEvent (22/CAP) tells consumers to end sessions using the credentials.
type CredentialsRevokedEvent struct {
	CorrelationID       string `avro:"correlationId"`
	Timestamp           int64  `avro:"timestamp"`
	Timeout             int64  `avro:"timeout"`
	TenantID            string `avro:"tenantId"`
	CredentialsID       string `avro:"credentialsId"`
	OriginatorReplicaID string `avro:"originatorReplicaId"`
}

// BroadcastConfigurationUpdateEvent (17/SCMP) announces a configuration change to all services.
type BroadcastConfigurationUpdateEvent struct {
	CorrelationID       string  `avro:"correlationId"`
	Timestamp           int64   `avro:"timestamp"`
	OriginatorReplicaID string  `avro:"originatorReplicaId"`
	TenantID            *string `avro:"tenantID"`
	AppName             *string `avro:"appName"`
	AppVersionName      *string `avro:"appVerName"`
}

// ServiceSpecificConfigurationUpdateEvent (17/SCMP) announces a change to one service.
type ServiceSpecificConfigurationUpdateEvent struct {
	CorrelationID  string  `avro:"correlationId"`
	Timestamp      int64   `avro:"timestamp"`
	TenantID       string  `avro:"tenantID"`
	AppName        *string `avro:"appName"`
	AppVersionName *string `avro:"appVerName"`
}
