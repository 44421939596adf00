package ism

// BasicAuthenticationRequest (22/CAP, schema ClientBasicAuthenticationRequest)
// checks a client's username and password within a tenant.
type BasicAuthenticationRequest struct {
	CorrelationID string `avro:"correlationId"`
	Timestamp     int64  `avro:"timestamp"`
	Timeout       int64  `avro:"timeout"`
	TenantID      string `avro:"tenantId"`
	Username      string `avro:"username"`
	Password      string `avro:"password"`
}

// BasicAuthenticationResponse (22/CAP, schema
// ClientBasicAuthenticationResponse) is the provider's answer to a
// BasicAuthenticationRequest.
type BasicAuthenticationResponse struct {
	CorrelationID string  `avro:"correlationId"`
	Timestamp     int64   `avro:"timestamp"`
	Timeout       int64   `avro:"timeout"`
	CredentialsID *string `avro:"credentialsId"`
	ClientID      *string `avro:"clientId"`
	StatusCode    int32   `avro:"statusCode"`
	ReasonPhrase  *string `avro:"reasonPhrase"`
}

// CertificateAuthenticationRequest (22/CAP, schema
// ClientCertificateAuthenticationRequest) checks a client certificate by
// issuer and base-10 serial number.
type CertificateAuthenticationRequest struct {
	CorrelationID string `avro:"correlationId"`
	Timestamp     int64  `avro:"timestamp"`
	Timeout       int64  `avro:"timeout"`
	Issuer        string `avro:"issuer"`
	SerialNumber  string `avro:"serialNumber"`
}

// CertificateAuthenticationResponse (22/CAP, schema
// ClientCertificateAuthenticationResponse) is the provider's answer to a
// CertificateAuthenticationRequest.
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

// CredentialsRevokedEvent (22/CAP, schema ClientCredentialsRevokedEvent) tells
// consumers to end the sessions that use the credentials.
type CredentialsRevokedEvent struct {
	CorrelationID       string `avro:"correlationId"`
	Timestamp           int64  `avro:"timestamp"`
	Timeout             int64  `avro:"timeout"`
	TenantID            string `avro:"tenantId"`
	CredentialsID       string `avro:"credentialsId"`
	OriginatorReplicaID string `avro:"originatorReplicaId"`
}
