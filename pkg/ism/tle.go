package ism

// TenantUpdated (21/TLE, 0021-tenant-updated.avsc, schema UpdatedEvent)
// announces a change of a tenant's metadata.
type TenantUpdated struct {
	CorrelationID       string `avro:"correlationId"`
	Timestamp           int64  `avro:"timestamp"`
	Timeout             int64  `avro:"timeout"`
	TenantID            string `avro:"tenantId"`
	OriginatorReplicaID string `avro:"originatorReplicaId"`
}

// TenantUnregistered (21/TLE, 0021-tenant-unregistered.avsc, schema
// UnregisteredEvent) announces a tenant's removal.
type TenantUnregistered TenantUpdated
