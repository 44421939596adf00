package ism

// BroadcastConfigurationUpdateEvent (17/SCMP) announces a configuration change
// to all services. Null fields widen the scope: all nil means every tenant.
type BroadcastConfigurationUpdateEvent struct {
	CorrelationID       string  `avro:"correlationId"`
	Timestamp           int64   `avro:"timestamp"`
	OriginatorReplicaID string  `avro:"originatorReplicaId"`
	TenantID            *string `avro:"tenantID"`
	AppName             *string `avro:"appName"`
	AppVersionName      *string `avro:"appVerName"`
}

// ServiceSpecificConfigurationUpdateEvent (17/SCMP) announces a configuration
// change to one service instance.
type ServiceSpecificConfigurationUpdateEvent struct {
	CorrelationID  string  `avro:"correlationId"`
	Timestamp      int64   `avro:"timestamp"`
	TenantID       string  `avro:"tenantID"`
	AppName        *string `avro:"appName"`
	AppVersionName *string `avro:"appVerName"`
}

// SystemConfigUpdated (27/SCMP, 0027-system-config-updated.avsc) announces
// that a named system configuration changed at some level of the hierarchy.
type SystemConfigUpdated struct {
	CorrelationID       string  `avro:"correlationId"`
	Timestamp           int64   `avro:"timestamp"`
	Timeout             int64   `avro:"timeout"`
	TenantID            string  `avro:"tenantId"`
	ConfigName          string  `avro:"configName"`
	ConfigLevel         string  `avro:"configLevel"`   // TENANT, APPLICATION, APP_VERSION, ENDPOINT
	ConfigLevelID       string  `avro:"configLevelId"` // ID at ConfigLevel
	ContentType         string  `avro:"contentType"`   // the schema's default is application/json
	Content             []byte  `avro:"content"`
	OriginatorReplicaID *string `avro:"originatorReplicaId"`
}
