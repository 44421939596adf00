package ism

import (
	"embed"
	"fmt"
	"sync"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/nats-io/nuid"
)

//go:embed schemas/*.avsc
var schemaFS embed.FS

// schemaFiles maps each message type to its RFC schema file.
func schemaFile(v any) (string, bool) {
	switch v.(type) {
	case *ClientData, ClientData:
		return "0004-client-data.avsc", true
	case *ExtensionData, ExtensionData:
		return "0004-extension-data.avsc", true
	case *EndpointConnected, EndpointConnected:
		return "0009-ep-connected.avsc", true
	case *EndpointDisconnected, EndpointDisconnected:
		return "0009-ep-disconnected.avsc", true
	case *EndpointTokenValidationRequest, EndpointTokenValidationRequest:
		return "0016-endpoint-token-validation-request.avsc", true
	case *EndpointTokenValidationResponse, EndpointTokenValidationResponse:
		return "0016-endpoint-token-validation-response.avsc", true
	case *EndpointTokenRevokedEvent, EndpointTokenRevokedEvent:
		return "0016-endpoint-token-revoked.avsc", true
	case *EndpointTokenStatusTransitionRequest, EndpointTokenStatusTransitionRequest:
		return "0016-endpoint-token-status-transition-request.avsc", true
	case *EndpointTokenStatusTransitionResponse, EndpointTokenStatusTransitionResponse:
		return "0016-endpoint-token-status-transition-response.avsc", true
	case *BasicAuthenticationRequest, BasicAuthenticationRequest:
		return "0022-basic-authentication-request.avsc", true
	case *BasicAuthenticationResponse, BasicAuthenticationResponse:
		return "0022-basic-authentication-response.avsc", true
	case *CertificateAuthenticationRequest, CertificateAuthenticationRequest:
		return "0022-certificate-authentication-request.avsc", true
	case *CertificateAuthenticationResponse, CertificateAuthenticationResponse:
		return "0022-certificate-authentication-response.avsc", true
	case *CredentialsRevokedEvent, CredentialsRevokedEvent:
		return "0022-credentials-revoked.avsc", true
	case *BroadcastConfigurationUpdateEvent, BroadcastConfigurationUpdateEvent:
		return "0017-broadcast_configuration_update.avsc", true
	case *ServiceSpecificConfigurationUpdateEvent, ServiceSpecificConfigurationUpdateEvent:
		return "0017-service_specific_configuration_update.avsc", true
	}
	return "", false
}

// maxDecodeSize bounds any bytes/string/array a hostile message can make the
// decoder allocate.
const maxDecodeSize = 64 << 20

// codec is parsed once and immutable afterwards.
type codec struct {
	api     avro.API
	schemas map[string]avro.Schema
}

var loadCodec = sync.OnceValues(func() (*codec, error) {
	c := &codec{
		api:     avro.Config{MaxByteSliceSize: maxDecodeSize, MaxSliceAllocSize: maxDecodeSize}.Freeze(),
		schemas: map[string]avro.Schema{},
	}
	entries, err := schemaFS.ReadDir("schemas")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		data, err := schemaFS.ReadFile("schemas/" + e.Name())
		if err != nil {
			return nil, err
		}
		// Each schema is parsed on its own: several RFCs reuse record names.
		s, err := avro.ParseBytesWithCache(data, "", &avro.SchemaCache{})
		if err != nil {
			return nil, fmt.Errorf("ism: schema %s: %w", e.Name(), err)
		}
		c.schemas[e.Name()] = s
	}
	return c, nil
})

func lookup(v any) (*codec, avro.Schema, error) {
	name, ok := schemaFile(v)
	if !ok {
		return nil, nil, fmt.Errorf("%w: %T", ErrUnknownMessage, v)
	}
	c, err := loadCodec()
	if err != nil {
		return nil, nil, err
	}
	return c, c.schemas[name], nil
}

// Marshal encodes one of this package's message types as Avro binary.
func Marshal(v any) ([]byte, error) {
	c, s, err := lookup(v)
	if err != nil {
		return nil, err
	}
	data, err := c.api.Marshal(s, v)
	if err != nil {
		return nil, fmt.Errorf("%w: %T: %w", ErrEncode, v, err)
	}
	return data, nil
}

// Unmarshal decodes Avro binary into a pointer to one of this package's
// message types. Hostile input yields ErrDecode, never a panic.
func Unmarshal(data []byte, v any) (err error) {
	c, s, err := lookup(v)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %T: %v", ErrDecode, v, r)
		}
	}()
	if err := c.api.Unmarshal(s, data, v); err != nil {
		return fmt.Errorf("%w: %T: %w", ErrDecode, v, err)
	}
	return nil
}

// NewCorrelationID returns a unique message ID (fast, not secret).
func NewCorrelationID() string { return nuid.Next() }

// NowMillis is the ISM timestamp of now.
func NowMillis() int64 { return time.Now().UnixMilli() }
