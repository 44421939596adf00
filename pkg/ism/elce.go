package ism

// EndpointConnected (9/ELCE, 0009-ep-connected.avsc, schema ConnectedEvent)
// maps the IDs of endpoints that opened a session to their app version names.
type EndpointConnected struct {
	CorrelationID       string            `avro:"correlationId"`
	Timestamp           int64             `avro:"timestamp"`
	Timeout             int64             `avro:"timeout"`
	Endpoints           map[string]string `avro:"endpoints"`
	OriginatorReplicaID string            `avro:"originatorReplicaId"`
}

// EndpointDisconnected (9/ELCE, 0009-ep-disconnected.avsc, schema
// DisconnectedEvent) lists the endpoints whose session ended. Its fields are
// those of EndpointConnected, so the two convert into each other.
type EndpointDisconnected EndpointConnected

// EndpointRegistered (9/ELCE, 0009-ep-registered.avsc, schema RegisteredEvent)
// announces an endpoint's first registration.
type EndpointRegistered struct {
	CorrelationID       string `avro:"correlationId"`
	Timestamp           int64  `avro:"timestamp"`
	Timeout             int64  `avro:"timeout"`
	AppVersionName      string `avro:"appVersionName"`
	EndpointID          string `avro:"endpointId"`
	OriginatorReplicaID string `avro:"originatorReplicaId"`
}

// EndpointUnregistered (9/ELCE, 0009-ep-unregistered.avsc, schema
// UnregisteredEvent) announces an endpoint's removal.
type EndpointUnregistered EndpointRegistered

// EndpointAppVersionUpdated (9/ELCE, 0009-ep-appversion-updated.avsc, schema
// AppVersionUpdatedEvent) announces an endpoint moving to another app version.
type EndpointAppVersionUpdated struct {
	CorrelationID          string `avro:"correlationId"`
	Timestamp              int64  `avro:"timestamp"`
	Timeout                int64  `avro:"timeout"`
	AppVersionName         string `avro:"appVersionName"`
	PreviousAppVersionName string `avro:"previousAppVersionName"`
	EndpointID             string `avro:"endpointId"`
	OriginatorReplicaID    string `avro:"originatorReplicaId"`
}

// EndpointTrafficReport (9/ELCE, 0009-ep-traffic-stats.avsc, schema
// TrafficReportEvent) reports endpoint traffic over a period of time.
type EndpointTrafficReport struct {
	// TenantTrafficStats is keyed by tenant ID, then application name, then
	// endpoint ID.
	TenantTrafficStats  map[string]map[string]map[string]TrafficStat `avro:"tenantTrafficStats"`
	TimeFrom            int64                                        `avro:"timeFrom"` // UNIX nanoseconds
	TimeTo              int64                                        `avro:"timeTo"`   // UNIX nanoseconds
	CorrelationID       string                                       `avro:"correlationId"`
	OriginatorReplicaID string                                       `avro:"originatorReplicaId"`
	Timestamp           int64                                        `avro:"timestamp"`
	Timeout             int64                                        `avro:"timeout"`
}

// TrafficStat is one endpoint's traffic in an EndpointTrafficReport.
type TrafficStat struct {
	TotalReceivedPayload      int64 `avro:"totalReceivedPayload"`
	TotalSentPayload          int64 `avro:"totalSentPayload"`
	TotalReceivedMessageCount int64 `avro:"totalReceivedMessageCount"`
	TotalSentMessageCount     int64 `avro:"totalSentMessageCount"`
}
