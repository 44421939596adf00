package ism

// EndpointTokenValidationRequest (16/ECAP) asks the provider which endpoint a
// token identifies.
type EndpointTokenValidationRequest struct {
	CorrelationID string `avro:"correlationId"`
	Timestamp     int64  `avro:"timestamp"`
	Timeout       int64  `avro:"timeout"`
	AppName       string `avro:"appName"`
	Token         string `avro:"token"`
}

// EndpointTokenValidationResponse (16/ECAP) is the provider's answer to an
// EndpointTokenValidationRequest.
type EndpointTokenValidationResponse struct {
	CorrelationID string  `avro:"correlationId"`
	Timestamp     int64   `avro:"timestamp"`
	Timeout       int64   `avro:"timeout"`
	TokenID       *string `avro:"tokenId"`
	EndpointID    *string `avro:"endpointId"`
	StatusCode    int32   `avro:"statusCode"`
	ReasonPhrase  *string `avro:"reasonPhrase"`
}

// EndpointTokenStatusTransitionRequest (16/ECAP) asks the provider to move a
// token to another status.
type EndpointTokenStatusTransitionRequest struct {
	CorrelationID string `avro:"correlationId"`
	Timestamp     int64  `avro:"timestamp"`
	Timeout       int64  `avro:"timeout"`
	AppName       string `avro:"appName"`
	Token         string `avro:"token"`
	TargetStatus  string `avro:"targetStatus"`
}

// EndpointTokenStatusTransitionResponse (16/ECAP) is the provider's answer to
// an EndpointTokenStatusTransitionRequest.
type EndpointTokenStatusTransitionResponse struct {
	CorrelationID string  `avro:"correlationId"`
	Timestamp     int64   `avro:"timestamp"`
	Timeout       int64   `avro:"timeout"`
	StatusCode    int32   `avro:"statusCode"`
	ReasonPhrase  *string `avro:"reasonPhrase"`
}

// EndpointTokenRevokedEvent (16/ECAP) tells consumers to end the sessions that
// use the listed tokens.
type EndpointTokenRevokedEvent struct {
	CorrelationID       string   `avro:"correlationId"`
	Timestamp           int64    `avro:"timestamp"`
	Timeout             int64    `avro:"timeout"`
	AppName             string   `avro:"appName"`
	EndpointID          string   `avro:"endpointId"`
	TokenIDs            []string `avro:"tokenIds"`
	OriginatorReplicaID string   `avro:"originatorReplicaId"`
}

// ClientUsernamePasswordValidationRequest (16/ECAP) checks a client's
// username and password.
type ClientUsernamePasswordValidationRequest struct {
	CorrelationID string  `avro:"correlationId"`
	Timestamp     int64   `avro:"timestamp"`
	Timeout       int64   `avro:"timeout"`
	Username      *string `avro:"username"`
	Password      *string `avro:"password"`
}

// ClientUsernamePasswordValidationResponse (16/ECAP) is the provider's answer
// to a ClientUsernamePasswordValidationRequest.
type ClientUsernamePasswordValidationResponse struct {
	CorrelationID string  `avro:"correlationId"`
	Timestamp     int64   `avro:"timestamp"`
	Timeout       int64   `avro:"timeout"`
	CredentialID  *string `avro:"credentialId"`
	ClientID      *string `avro:"clientId"`
	StatusCode    int32   `avro:"statusCode"`
	ReasonPhrase  *string `avro:"reasonPhrase"`
}

// ClientCertificateValidationRequest (16/ECAP) checks a client certificate by
// issuer and base-10 serial number.
type ClientCertificateValidationRequest struct {
	CorrelationID string `avro:"correlationId"`
	Timestamp     int64  `avro:"timestamp"`
	Timeout       int64  `avro:"timeout"`
	Issuer        string `avro:"issuer"`
	SerialNumber  string `avro:"serialNumber"`
}

// ClientCertificateValidationResponse (16/ECAP) is the provider's answer to a
// ClientCertificateValidationRequest.
type ClientCertificateValidationResponse struct {
	CorrelationID string  `avro:"correlationId"`
	Timestamp     int64   `avro:"timestamp"`
	Timeout       int64   `avro:"timeout"`
	CredentialID  *string `avro:"credentialId"`
	ClientID      *string `avro:"clientId"`
	StatusCode    int32   `avro:"statusCode"`
	ReasonPhrase  *string `avro:"reasonPhrase"`
}

// ClientCredentialRevokedEvent (16/ECAP) tells consumers to end the sessions
// that use the credential.
type ClientCredentialRevokedEvent struct {
	CorrelationID       string `avro:"correlationId"`
	Timestamp           int64  `avro:"timestamp"`
	Timeout             int64  `avro:"timeout"`
	CredentialID        string `avro:"credentialId"`
	OriginatorReplicaID string `avro:"originatorReplicaId"`
}
