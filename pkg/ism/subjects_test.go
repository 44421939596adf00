package ism

import "testing"

func TestSubjects(t *testing.T) {
	tests := []struct{ got, want string }{
		// 4/ESP
		{ServiceSubject("bcx", ProtoESP, MsgClientData), "kaa.v1.service.bcx.esp.ClientData"},
		{ServiceSubject("kpc", ProtoESP, MsgExtensionData), "kaa.v1.service.kpc.esp.ExtensionData"},
		{ReplicaSubject("kpc-7f9c", ProtoESP, MsgExtensionData), "kaa.v1.replica.kpc-7f9c.esp.ExtensionData"},
		// 16/ECAP
		{ServiceSubject("cm", ProtoECAP, MsgEPTokenRequest), "kaa.v1.service.cm.ecap.ep-token-request"},
		{ReplicaSubject("r1", ProtoECAP, MsgEPTokenResponse), "kaa.v1.replica.r1.ecap.ep-token-response"},
		{ServiceSubject("cm", ProtoECAP, MsgEPTokenStatusTransitionRequest), "kaa.v1.service.cm.ecap.ep-token-status-transition-request"},
		{ReplicaSubject("r1", ProtoECAP, MsgEPTokenStatusTransitionResponse), "kaa.v1.replica.r1.ecap.ep-token-status-transition-response"},
		{ServiceSubject("cm", ProtoECAP, MsgClientUsernamePasswordRequest), "kaa.v1.service.cm.ecap.client-username-password-request"},
		{ReplicaSubject("r1", ProtoECAP, MsgClientUsernamePasswordResponse), "kaa.v1.replica.r1.ecap.client-username-password-response"},
		{ServiceSubject("cm", ProtoECAP, MsgClientCertificateRequest), "kaa.v1.service.cm.ecap.client-certificate-request"},
		{ReplicaSubject("r1", ProtoECAP, MsgClientCertificateResponse), "kaa.v1.replica.r1.ecap.client-certificate-response"},
		{EventSubject("cm", EntityEndpoint, GroupToken, EventRevoked), "kaa.v1.events.cm.endpoint.token.revoked"},
		{EventSubject(AnyToken, EntityEndpoint, GroupToken, EventRevoked), "kaa.v1.events.*.endpoint.token.revoked"},
		{EventSubject("cm", EntityClient, GroupCredential, EventRevoked), "kaa.v1.events.cm.client.credential.revoked"},
		// 22/CAP
		{ServiceSubject("ccm", ProtoCAP, MsgBasicRequest), "kaa.v1.service.ccm.cap.basic-request"},
		{ReplicaSubject("r1", ProtoCAP, MsgBasicResponse), "kaa.v1.replica.r1.cap.basic-response"},
		{ServiceSubject("ccm", ProtoCAP, MsgCertificateRequest), "kaa.v1.service.ccm.cap.certificate-request"},
		{ReplicaSubject("r1", ProtoCAP, MsgCertificateResponse), "kaa.v1.replica.r1.cap.certificate-response"},
		{EventSubject(AnyToken, EntityClientCredentials, GroupBasic, EventRevoked), "kaa.v1.events.*.client-credentials.basic.revoked"},
		{EventSubject(AnyToken, EntityClientCredentials, GroupCertificate, EventRevoked), "kaa.v1.events.*.client-credentials.certificate.revoked"},
		// 9/ELCE
		{EventSubject("kpc", EntityEndpoint, GroupConnectivity, EventConnected), "kaa.v1.events.kpc.endpoint.connectivity.connected"},
		{EventSubject("kpc", EntityEndpoint, GroupConnectivity, EventDisconnected), "kaa.v1.events.kpc.endpoint.connectivity.disconnected"},
		{EventSubject("epr", EntityEndpoint, GroupLifecycle, EventRegistered), "kaa.v1.events.epr.endpoint.lifecycle.registered"},
		{EventSubject("epr", EntityEndpoint, GroupLifecycle, EventUnregistered), "kaa.v1.events.epr.endpoint.lifecycle.unregistered"},
		{EventSubject("epr", EntityEndpoint, GroupLifecycle, EventAppVersionUpdated), "kaa.v1.events.epr.endpoint.lifecycle.appversion-updated"},
		{EventSubject("kpc", EntityEndpoint, GroupTrafficReporting, EventPayload), "kaa.v1.events.kpc.endpoint.traffic-reporting.payload"},
		// 17/SCMP
		{EventSubject("tekton", EntityService, GroupConfiguration, EventUpsert), "kaa.v1.events.tekton.service.configuration.upsert"},
		{EventSubject("tekton", EntityService, GroupConfiguration, EventDelete), "kaa.v1.events.tekton.service.configuration.delete"},
		{ServiceSubject("kpc", ProtoSCMP, MsgConfigurationUpsert), "kaa.v1.service.kpc.scmp.configuration.upsert"},
		{ServiceSubject("kpc", ProtoSCMP, MsgConfigurationDelete), "kaa.v1.service.kpc.scmp.configuration.delete"},
		// 21/TLE, 27/SCMP
		{EventSubject("tenant-manager", EntityTenant, GroupLifecycle, EventUpdated), "kaa.v1.events.tenant-manager.tenant.lifecycle.updated"},
		{EventSubject("tenant-manager", EntityTenant, GroupLifecycle, EventUnregistered), "kaa.v1.events.tenant-manager.tenant.lifecycle.unregistered"},
		{EventSubject("tekton", EntitySystem, GroupConfig, EventUpdated), "kaa.v1.events.tekton.system.config.updated"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestValidToken(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"kpc", true},
		{"kpc-0", true},
		{"kpc_replica-7f9c2", true},
		{"ÄÖü", true},
		{"A1b2C3d4E5f6G7h8I9j0Kl", true},
		{"", false},
		{"a.b", false},
		{".", false},
		{"*", false},
		{"kpc*", false},
		{">", false},
		{"a>", false},
		{"a b", false},
		{"a\tb", false},
		{"a\nb", false},
		{"a\rb", false},
		{"a\fb", false},
		{"a\vb", false},
		{"a\u00a0b", false}, // no-break space
		{"a\u2003b", false}, // em space
	}
	for _, tt := range tests {
		if got := ValidToken(tt.s); got != tt.want {
			t.Errorf("ValidToken(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
