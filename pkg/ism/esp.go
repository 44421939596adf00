package ism

// ClientData (4/ESP, 0004-client-data.avsc) carries a client request from a
// communication service to an extension service.
type ClientData struct {
	CorrelationID  string  `avro:"correlationId"`
	Timestamp      int64   `avro:"timestamp"`
	Timeout        int64   `avro:"timeout"`
	AppVersionName string  `avro:"appVersionName"`
	EndpointID     *string `avro:"endpointId"` // nil for endpoint-unaware extensions
	ResourcePath   string  `avro:"resourcePath"`
	RequestID      *int32  `avro:"requestId"`
	Payload        []byte  `avro:"payload"`
	ConfigName     *string `avro:"configName"`
}

// ExtensionData (4/ESP, 0004-extension-data.avsc) carries an extension's
// response or extension-initiated message to a client.
type ExtensionData struct {
	CorrelationID         string  `avro:"correlationId"`
	Timestamp             int64   `avro:"timestamp"`
	Timeout               int64   `avro:"timeout"`
	AppVersionName        *string `avro:"appVersionName"`
	ExtensionInstanceName *string `avro:"extensionInstanceName"`
	EndpointID            *string `avro:"endpointId"`
	ResourcePath          string  `avro:"resourcePath"`
	RequestID             *int32  `avro:"requestId"`
	Payload               []byte  `avro:"payload"` // nil is null; a non-nil empty slice is empty bytes
	StatusCode            int32   `avro:"statusCode"`
	ReasonPhrase          *string `avro:"reasonPhrase"`
}
