package ism

import "embed"

// schemaFS holds the RFC schemas byte for byte (a test compares them with
// kaa-rfcs), so the wire format cannot drift from the specification.
//
//go:embed schemas/*.avsc
var schemaFS embed.FS

// kind indexes the message types; it is the key to a type's schema.
type kind uint8

const (
	kindClientData kind = iota
	kindExtensionData
	kindEndpointConnected
	kindEndpointDisconnected
	kindEndpointRegistered
	kindEndpointUnregistered
	kindEndpointAppVersionUpdated
	kindEndpointTrafficReport
	kindEndpointTokenValidationRequest
	kindEndpointTokenValidationResponse
	kindEndpointTokenStatusTransitionRequest
	kindEndpointTokenStatusTransitionResponse
	kindEndpointTokenRevokedEvent
	kindClientUsernamePasswordValidationRequest
	kindClientUsernamePasswordValidationResponse
	kindClientCertificateValidationRequest
	kindClientCertificateValidationResponse
	kindClientCredentialRevokedEvent
	kindBasicAuthenticationRequest
	kindBasicAuthenticationResponse
	kindCertificateAuthenticationRequest
	kindCertificateAuthenticationResponse
	kindCredentialsRevokedEvent
	kindBroadcastConfigurationUpdateEvent
	kindServiceSpecificConfigurationUpdateEvent
	kindSystemConfigUpdated
	kindTenantUpdated
	kindTenantUnregistered
	numKinds
)

// schemaFile names the embedded schema of a message kind.
func (k kind) schemaFile() string {
	switch k {
	case kindClientData:
		return "0004-client-data.avsc"
	case kindExtensionData:
		return "0004-extension-data.avsc"
	case kindEndpointConnected:
		return "0009-ep-connected.avsc"
	case kindEndpointDisconnected:
		return "0009-ep-disconnected.avsc"
	case kindEndpointRegistered:
		return "0009-ep-registered.avsc"
	case kindEndpointUnregistered:
		return "0009-ep-unregistered.avsc"
	case kindEndpointAppVersionUpdated:
		return "0009-ep-appversion-updated.avsc"
	case kindEndpointTrafficReport:
		return "0009-ep-traffic-stats.avsc"
	case kindEndpointTokenValidationRequest:
		return "0016-endpoint-token-validation-request.avsc"
	case kindEndpointTokenValidationResponse:
		return "0016-endpoint-token-validation-response.avsc"
	case kindEndpointTokenStatusTransitionRequest:
		return "0016-endpoint-token-status-transition-request.avsc"
	case kindEndpointTokenStatusTransitionResponse:
		return "0016-endpoint-token-status-transition-response.avsc"
	case kindEndpointTokenRevokedEvent:
		return "0016-endpoint-token-revoked.avsc"
	case kindClientUsernamePasswordValidationRequest:
		return "0016-client-username-password-validation-request.avsc"
	case kindClientUsernamePasswordValidationResponse:
		return "0016-client-username-password-validation-response.avsc"
	case kindClientCertificateValidationRequest:
		return "0016-client-certificate-validation-request.avsc"
	case kindClientCertificateValidationResponse:
		return "0016-client-certificate-validation-response.avsc"
	case kindClientCredentialRevokedEvent:
		return "0016-client-credential-revoked.avsc"
	case kindBasicAuthenticationRequest:
		return "0022-basic-authentication-request.avsc"
	case kindBasicAuthenticationResponse:
		return "0022-basic-authentication-response.avsc"
	case kindCertificateAuthenticationRequest:
		return "0022-certificate-authentication-request.avsc"
	case kindCertificateAuthenticationResponse:
		return "0022-certificate-authentication-response.avsc"
	case kindCredentialsRevokedEvent:
		return "0022-credentials-revoked.avsc"
	case kindBroadcastConfigurationUpdateEvent:
		return "0017-broadcast_configuration_update.avsc"
	case kindServiceSpecificConfigurationUpdateEvent:
		return "0017-service_specific_configuration_update.avsc"
	case kindSystemConfigUpdated:
		return "0027-system-config-updated.avsc"
	case kindTenantUpdated:
		return "0021-tenant-updated.avsc"
	case kindTenantUnregistered:
		return "0021-tenant-unregistered.avsc"
	}
	return ""
}

// kindOf maps a message value or pointer to its kind. A type switch keeps
// the lookup allocation-free on the hot path.
func kindOf(v any) (kind, bool) {
	switch v.(type) {
	case ClientData, *ClientData:
		return kindClientData, true
	case ExtensionData, *ExtensionData:
		return kindExtensionData, true
	case EndpointConnected, *EndpointConnected:
		return kindEndpointConnected, true
	case EndpointDisconnected, *EndpointDisconnected:
		return kindEndpointDisconnected, true
	case EndpointRegistered, *EndpointRegistered:
		return kindEndpointRegistered, true
	case EndpointUnregistered, *EndpointUnregistered:
		return kindEndpointUnregistered, true
	case EndpointAppVersionUpdated, *EndpointAppVersionUpdated:
		return kindEndpointAppVersionUpdated, true
	case EndpointTrafficReport, *EndpointTrafficReport:
		return kindEndpointTrafficReport, true
	case EndpointTokenValidationRequest, *EndpointTokenValidationRequest:
		return kindEndpointTokenValidationRequest, true
	case EndpointTokenValidationResponse, *EndpointTokenValidationResponse:
		return kindEndpointTokenValidationResponse, true
	case EndpointTokenStatusTransitionRequest, *EndpointTokenStatusTransitionRequest:
		return kindEndpointTokenStatusTransitionRequest, true
	case EndpointTokenStatusTransitionResponse, *EndpointTokenStatusTransitionResponse:
		return kindEndpointTokenStatusTransitionResponse, true
	case EndpointTokenRevokedEvent, *EndpointTokenRevokedEvent:
		return kindEndpointTokenRevokedEvent, true
	case ClientUsernamePasswordValidationRequest, *ClientUsernamePasswordValidationRequest:
		return kindClientUsernamePasswordValidationRequest, true
	case ClientUsernamePasswordValidationResponse, *ClientUsernamePasswordValidationResponse:
		return kindClientUsernamePasswordValidationResponse, true
	case ClientCertificateValidationRequest, *ClientCertificateValidationRequest:
		return kindClientCertificateValidationRequest, true
	case ClientCertificateValidationResponse, *ClientCertificateValidationResponse:
		return kindClientCertificateValidationResponse, true
	case ClientCredentialRevokedEvent, *ClientCredentialRevokedEvent:
		return kindClientCredentialRevokedEvent, true
	case BasicAuthenticationRequest, *BasicAuthenticationRequest:
		return kindBasicAuthenticationRequest, true
	case BasicAuthenticationResponse, *BasicAuthenticationResponse:
		return kindBasicAuthenticationResponse, true
	case CertificateAuthenticationRequest, *CertificateAuthenticationRequest:
		return kindCertificateAuthenticationRequest, true
	case CertificateAuthenticationResponse, *CertificateAuthenticationResponse:
		return kindCertificateAuthenticationResponse, true
	case CredentialsRevokedEvent, *CredentialsRevokedEvent:
		return kindCredentialsRevokedEvent, true
	case BroadcastConfigurationUpdateEvent, *BroadcastConfigurationUpdateEvent:
		return kindBroadcastConfigurationUpdateEvent, true
	case ServiceSpecificConfigurationUpdateEvent, *ServiceSpecificConfigurationUpdateEvent:
		return kindServiceSpecificConfigurationUpdateEvent, true
	case SystemConfigUpdated, *SystemConfigUpdated:
		return kindSystemConfigUpdated, true
	case TenantUpdated, *TenantUpdated:
		return kindTenantUpdated, true
	case TenantUnregistered, *TenantUnregistered:
		return kindTenantUnregistered, true
	}
	return 0, false
}
