package ism

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
)

func ptr[T any](v T) *T { return &v }

// rfcClientDataHex is the 4/ESP ClientData example, encoded field by field
// by an independent (Python) zigzag/varint encoder in RFC field order.
const rfcClientDataHex = "4830376437386539352d326334642d343839392d393537632d6239653561333730316662628af2aca9df5680bab7032468756d69646974792d73656e736f722d7633004837616432363365632d333334372d346337642d616638392d3530633637303631333637610a2f6a736f6e0054345b0d0a20207b202268756d6964697479223a203838207d0d0a5d020e6e6574776f726b"

// rfcExtensionDataHex is the 4/ESP ExtensionData example, encoded the same way.
const rfcExtensionDataHex = "4830376437386539352d326334642d343839392d393537632d6239653561333730316662628af2aca9df5680bab703002468756d69646974792d73656e736f722d7633002a68756d69646974792d73656e736f722d636d782d31004837616432363365632d333334372d346337642d616638392d353063363730363133363761182f636f6e6669672f6a736f6e0054002c7b0a20202273616d706c696e6722203a203230300a7d900302044f4b"

func rfcClientData() *ClientData {
	return &ClientData{
		CorrelationID:  "07d78e95-2c4d-4899-957c-b9e5a3701fbb",
		Timestamp:      1490262793349,
		Timeout:        3600000,
		AppVersionName: "humidity-sensor-v3",
		EndpointID:     ptr("7ad263ec-3347-4c7d-af89-50c67061367a"),
		ResourcePath:   "/json",
		RequestID:      ptr[int32](42),
		Payload:        []byte("[\r\n  { \"humidity\": 88 }\r\n]"),
		ConfigName:     ptr("network"),
	}
}

func rfcExtensionData() *ExtensionData {
	return &ExtensionData{
		CorrelationID:         "07d78e95-2c4d-4899-957c-b9e5a3701fbb",
		Timestamp:             1490262793349,
		Timeout:               3600000,
		AppVersionName:        ptr("humidity-sensor-v3"),
		ExtensionInstanceName: ptr("humidity-sensor-cmx-1"),
		EndpointID:            ptr("7ad263ec-3347-4c7d-af89-50c67061367a"),
		ResourcePath:          "/config/json",
		RequestID:             ptr[int32](42),
		Payload:               []byte("{\n  \"sampling\" : 200\n}"),
		StatusCode:            200,
		ReasonPhrase:          ptr("OK"),
	}
}

type sample struct {
	name string
	msg  any // pointer to a message; decoding its encoding must give it back
}

// fullSamples has one message of every type with every field set, including
// values that stress the encoding (negative numbers, extremes, non-ASCII).
func fullSamples() []sample {
	return []sample{
		{"ClientData", rfcClientData()},
		{"ExtensionData", rfcExtensionData()},
		{"EndpointConnected", &EndpointConnected{CorrelationID: "c1", Timestamp: 1, Timeout: -1, Endpoints: map[string]string{"ep-1": "app-v1", "ep-2": "app-v2", "é": "ü"}, OriginatorReplicaID: "kpc-0"}},
		{"EndpointDisconnected", &EndpointDisconnected{CorrelationID: "c2", Timestamp: 1 << 62, Endpoints: map[string]string{"ep-1": "app-v1"}, OriginatorReplicaID: "kpc-1"}},
		{"EndpointRegistered", &EndpointRegistered{CorrelationID: "c3", Timestamp: 3, Timeout: 30, AppVersionName: "v1", EndpointID: "ep", OriginatorReplicaID: "r"}},
		{"EndpointUnregistered", &EndpointUnregistered{CorrelationID: "c4", Timestamp: 4, AppVersionName: "v1", EndpointID: "ep", OriginatorReplicaID: "r"}},
		{"EndpointAppVersionUpdated", &EndpointAppVersionUpdated{CorrelationID: "c5", Timestamp: 5, Timeout: 50, AppVersionName: "v2", PreviousAppVersionName: "v1", EndpointID: "ep", OriginatorReplicaID: "r"}},
		{"EndpointTrafficReport", &EndpointTrafficReport{
			TenantTrafficStats: map[string]map[string]map[string]TrafficStat{
				"tenant": {"app": {"ep-1": {1, 2, 3, 4}, "ep-2": {TotalSentMessageCount: -9}}, "app2": {}},
				"t2":     {},
			},
			TimeFrom: -1 << 63, TimeTo: 1<<63 - 1, CorrelationID: "c6", OriginatorReplicaID: "r", Timestamp: 6, Timeout: 60,
		}},
		{"EndpointTokenValidationRequest", &EndpointTokenValidationRequest{CorrelationID: "c7", Timestamp: 7, Timeout: 70, AppName: "app", Token: "tok"}},
		{"EndpointTokenValidationResponse", &EndpointTokenValidationResponse{CorrelationID: "c8", Timestamp: 8, Timeout: 80, TokenID: ptr("tid"), EndpointID: ptr("ep"), StatusCode: 200, ReasonPhrase: ptr("OK")}},
		{"EndpointTokenStatusTransitionRequest", &EndpointTokenStatusTransitionRequest{CorrelationID: "c9", Timestamp: 9, Timeout: 90, AppName: "app", Token: "tok", TargetStatus: "REVOKED"}},
		{"EndpointTokenStatusTransitionResponse", &EndpointTokenStatusTransitionResponse{CorrelationID: "c10", Timestamp: 10, Timeout: 100, StatusCode: 409, ReasonPhrase: ptr("conflict")}},
		{"EndpointTokenRevokedEvent", &EndpointTokenRevokedEvent{CorrelationID: "c11", Timestamp: 11, Timeout: 110, AppName: "app", EndpointID: "ep", TokenIDs: manyStrings(250), OriginatorReplicaID: "r"}},
		{"ClientUsernamePasswordValidationRequest", &ClientUsernamePasswordValidationRequest{CorrelationID: "c12", Timestamp: 12, Timeout: 120, Username: ptr("user"), Password: ptr("pa ss")}},
		{"ClientUsernamePasswordValidationResponse", &ClientUsernamePasswordValidationResponse{CorrelationID: "c13", Timestamp: 13, Timeout: 130, CredentialID: ptr("cred"), ClientID: ptr("client"), StatusCode: 200, ReasonPhrase: ptr("OK")}},
		{"ClientCertificateValidationRequest", &ClientCertificateValidationRequest{CorrelationID: "c14", Timestamp: 14, Timeout: 140, Issuer: "CN=ca", SerialNumber: "123456789012345678901234567890"}},
		{"ClientCertificateValidationResponse", &ClientCertificateValidationResponse{CorrelationID: "c15", Timestamp: 15, Timeout: 150, CredentialID: ptr("cred"), ClientID: ptr("client"), StatusCode: 200, ReasonPhrase: ptr("OK")}},
		{"ClientCredentialRevokedEvent", &ClientCredentialRevokedEvent{CorrelationID: "c16", Timestamp: 16, Timeout: 160, CredentialID: "cred", OriginatorReplicaID: "r"}},
		{"BasicAuthenticationRequest", &BasicAuthenticationRequest{CorrelationID: "c17", Timestamp: 17, Timeout: 170, TenantID: "kaa", Username: "user", Password: "secret"}},
		{"BasicAuthenticationResponse", &BasicAuthenticationResponse{CorrelationID: "c18", Timestamp: 18, Timeout: 180, CredentialsID: ptr("cred"), ClientID: ptr("client"), StatusCode: 401, ReasonPhrase: ptr("bad password")}},
		{"CertificateAuthenticationRequest", &CertificateAuthenticationRequest{CorrelationID: "c19", Timestamp: 19, Timeout: 190, Issuer: "CN=ca", SerialNumber: "42"}},
		{"CertificateAuthenticationResponse", &CertificateAuthenticationResponse{CorrelationID: "c20", Timestamp: 20, Timeout: 200, TenantID: ptr("kaa"), CredentialsID: ptr("cred"), ClientID: ptr("client"), StatusCode: 200, ReasonPhrase: ptr("OK")}},
		{"CredentialsRevokedEvent", &CredentialsRevokedEvent{CorrelationID: "c21", Timestamp: 21, Timeout: 210, TenantID: "kaa", CredentialsID: "cred", OriginatorReplicaID: "r"}},
		{"BroadcastConfigurationUpdateEvent", &BroadcastConfigurationUpdateEvent{CorrelationID: "c22", Timestamp: 22, OriginatorReplicaID: "r", TenantID: ptr("kaa"), AppName: ptr("app"), AppVersionName: ptr("app-v1")}},
		{"ServiceSpecificConfigurationUpdateEvent", &ServiceSpecificConfigurationUpdateEvent{CorrelationID: "c23", Timestamp: 23, TenantID: "kaa", AppName: ptr("app"), AppVersionName: ptr("app-v1")}},
		{"SystemConfigUpdated", &SystemConfigUpdated{CorrelationID: "c24", Timestamp: 24, Timeout: 240, TenantID: "kaa", ConfigName: "kpc", ConfigLevel: "TENANT", ConfigLevelID: "kaa", ContentType: "application/json", Content: []byte(`{"a":1}`), OriginatorReplicaID: ptr("r")}},
		{"TenantUpdated", &TenantUpdated{CorrelationID: "c25", Timestamp: 25, Timeout: 250, TenantID: "kaa", OriginatorReplicaID: "r"}},
		{"TenantUnregistered", &TenantUnregistered{CorrelationID: "c26", Timestamp: 26, Timeout: 260, TenantID: "kaa", OriginatorReplicaID: "r"}},
	}
}

// emptySamples has one message of every type with every union null and every
// other field at its zero value. Empty bytes, maps and arrays decode as
// non-nil empty values, so they are given that way here.
func emptySamples() []sample {
	return []sample{
		{"ClientData", &ClientData{Payload: []byte{}}},
		{"ExtensionData", &ExtensionData{}},
		{"ExtensionData/empty-payload", &ExtensionData{Payload: []byte{}, AppVersionName: ptr(""), ReasonPhrase: ptr("")}},
		{"EndpointConnected", &EndpointConnected{Endpoints: map[string]string{}}},
		{"EndpointDisconnected", &EndpointDisconnected{Endpoints: map[string]string{}}},
		{"EndpointRegistered", &EndpointRegistered{}},
		{"EndpointUnregistered", &EndpointUnregistered{}},
		{"EndpointAppVersionUpdated", &EndpointAppVersionUpdated{}},
		{"EndpointTrafficReport", &EndpointTrafficReport{TenantTrafficStats: map[string]map[string]map[string]TrafficStat{}}},
		{"EndpointTokenValidationRequest", &EndpointTokenValidationRequest{}},
		{"EndpointTokenValidationResponse", &EndpointTokenValidationResponse{}},
		{"EndpointTokenStatusTransitionRequest", &EndpointTokenStatusTransitionRequest{}},
		{"EndpointTokenStatusTransitionResponse", &EndpointTokenStatusTransitionResponse{}},
		{"EndpointTokenRevokedEvent", &EndpointTokenRevokedEvent{TokenIDs: []string{}}},
		{"ClientUsernamePasswordValidationRequest", &ClientUsernamePasswordValidationRequest{}},
		{"ClientUsernamePasswordValidationResponse", &ClientUsernamePasswordValidationResponse{}},
		{"ClientCertificateValidationRequest", &ClientCertificateValidationRequest{}},
		{"ClientCertificateValidationResponse", &ClientCertificateValidationResponse{}},
		{"ClientCredentialRevokedEvent", &ClientCredentialRevokedEvent{}},
		{"BasicAuthenticationRequest", &BasicAuthenticationRequest{}},
		{"BasicAuthenticationResponse", &BasicAuthenticationResponse{}},
		{"CertificateAuthenticationRequest", &CertificateAuthenticationRequest{}},
		{"CertificateAuthenticationResponse", &CertificateAuthenticationResponse{}},
		{"CredentialsRevokedEvent", &CredentialsRevokedEvent{}},
		{"BroadcastConfigurationUpdateEvent", &BroadcastConfigurationUpdateEvent{}},
		{"ServiceSpecificConfigurationUpdateEvent", &ServiceSpecificConfigurationUpdateEvent{}},
		{"SystemConfigUpdated", &SystemConfigUpdated{Content: []byte{}}},
		{"TenantUpdated", &TenantUpdated{}},
		{"TenantUnregistered", &TenantUnregistered{}},
	}
}

func manyStrings(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = strings.Repeat("x", i%7)
	}
	return s
}

// newLike returns a new zero message of the type msg points to.
func newLike(msg any) any { return reflect.New(reflect.TypeOf(msg).Elem()).Interface() }

func TestSamplesCoverEveryKind(t *testing.T) {
	for _, samples := range [][]sample{fullSamples(), emptySamples()} {
		seen := map[kind]bool{}
		for _, s := range samples {
			k, ok := kindOf(s.msg)
			if !ok {
				t.Fatalf("%s: no kind", s.name)
			}
			seen[k] = true
		}
		if len(seen) != int(numKinds) {
			t.Errorf("samples cover %d kinds, want %d", len(seen), numKinds)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, set := range []struct {
		name    string
		samples []sample
	}{{"full", fullSamples()}, {"empty", emptySamples()}} {
		for _, s := range set.samples {
			t.Run(set.name+"/"+s.name, func(t *testing.T) {
				data, err := Marshal(s.msg)
				if err != nil {
					t.Fatalf("Marshal: %v", err)
				}
				// A value encodes like a pointer to it (not always to the same
				// bytes: map entries come in random order).
				byValue, err := Marshal(reflect.ValueOf(s.msg).Elem().Interface())
				if err != nil {
					t.Fatalf("Marshal by value: %v", err)
				}
				for _, data := range [][]byte{data, byValue} {
					got := newLike(s.msg)
					if err := Unmarshal(data, got); err != nil {
						t.Fatalf("Unmarshal: %v", err)
					}
					if !reflect.DeepEqual(got, s.msg) {
						t.Fatalf("round trip:\n got %+v\nwant %+v", got, s.msg)
					}
				}
			})
		}
	}
}

// TestGenericDecode decodes every encoding with hamba's schema-driven
// generic decoder, which ignores the Go struct, and compares field by field
// through the avro tags: a tag naming the wrong field or a field out of
// schema order shows up here.
func TestGenericDecode(t *testing.T) {
	c, err := loadCodec()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(fullSamples(), emptySamples()...) {
		t.Run(s.name, func(t *testing.T) {
			k, _ := kindOf(s.msg)
			data, err := Marshal(s.msg)
			if err != nil {
				t.Fatal(err)
			}
			var generic map[string]any
			if err := avro.Unmarshal(c.schemas[k], data, &generic); err != nil {
				t.Fatalf("generic decode: %v", err)
			}
			want := toGeneric(reflect.ValueOf(s.msg))
			if !reflect.DeepEqual(generic, want) {
				t.Fatalf("generic decode:\n got %#v\nwant %#v", generic, want)
			}
		})
	}
}

// toGeneric renders a message the way hamba's generic decoder does.
func toGeneric(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return toGeneric(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		for i := range v.NumField() {
			m[v.Type().Field(i).Tag.Get("avro")] = toGeneric(v.Field(i))
		}
		return m
	case reflect.Map:
		m := map[string]any{}
		for it := v.MapRange(); it.Next(); {
			m[it.Key().String()] = toGeneric(it.Value())
		}
		return m
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if v.IsNil() {
				return nil
			}
			return v.Bytes()
		}
		s := make([]any, v.Len())
		for i := range s {
			s[i] = toGeneric(v.Index(i))
		}
		return s
	case reflect.Int32:
		return int(v.Int())
	}
	return v.Interface()
}

func TestRFCExampleWireOrder(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want any
	}{
		{"ClientData", rfcClientDataHex, rfcClientData()},
		{"ExtensionData", rfcExtensionDataHex, rfcExtensionData()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			got := newLike(tt.want)
			if err := Unmarshal(wire, got); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("decoded\n %+v\nwant %+v", got, tt.want)
			}
			data, err := Marshal(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, wire) {
				t.Fatalf("Marshal = %x\n    want %x", data, wire)
			}
		})
	}
}

func TestNullAndEmptyStayDistinct(t *testing.T) {
	for _, tt := range []struct {
		name string
		msg  *ExtensionData
		wire string // payload union from byte 3 on: index, then length
	}{
		{"null", &ExtensionData{}, "02"},
		{"empty", &ExtensionData{Payload: []byte{}}, "0000"},
		{"one byte", &ExtensionData{Payload: []byte{7}}, "000207"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Marshal(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			// Everything before the payload is null or empty: correlationId,
			// timestamp, timeout, four null unions (index 1), resourcePath, requestId.
			want := "0000000202020002" + tt.wire + "0000"
			if got := hex.EncodeToString(data); got != want {
				t.Fatalf("wire = %s, want %s", got, want)
			}
			var got ExtensionData
			if err := Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			if (got.Payload == nil) != (tt.msg.Payload == nil) || !bytes.Equal(got.Payload, tt.msg.Payload) {
				t.Fatalf("payload = %#v, want %#v", got.Payload, tt.msg.Payload)
			}
		})
	}
}

func TestNilMapsAndSlicesEncodeEmpty(t *testing.T) {
	for _, msg := range []any{&EndpointConnected{}, &EndpointTokenRevokedEvent{}, &EndpointTrafficReport{}, &ClientData{}} {
		data, err := Marshal(msg)
		if err != nil {
			t.Fatalf("%T: %v", msg, err)
		}
		if err := Unmarshal(data, newLike(msg)); err != nil {
			t.Fatalf("%T: %v", msg, err)
		}
	}
}

func TestUnmarshalResetsTarget(t *testing.T) {
	data, err := Marshal(&EndpointConnected{Endpoints: map[string]string{"a": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	got := EndpointConnected{CorrelationID: "old", Endpoints: map[string]string{"stale": "x"}}
	if err := Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if want := (EndpointConnected{Endpoints: map[string]string{"a": "1"}}); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}

	// A null payload must not leave the old slice's length behind.
	data, err = Marshal(&ExtensionData{})
	if err != nil {
		t.Fatal(err)
	}
	ed := ExtensionData{Payload: []byte("previous"), EndpointID: ptr("ep")}
	if err := Unmarshal(data, &ed); err != nil {
		t.Fatal(err)
	}
	if ed.Payload != nil || len(ed.Payload) != 0 || ed.EndpointID != nil {
		t.Fatalf("got payload len %d, endpoint %v", len(ed.Payload), ed.EndpointID)
	}
}

func TestUnmarshalDoesNotAliasInput(t *testing.T) {
	data, err := Marshal(rfcClientData())
	if err != nil {
		t.Fatal(err)
	}
	var got ClientData
	if err := Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	clear(data) // a NATS handler may reuse the buffer
	if !reflect.DeepEqual(&got, rfcClientData()) {
		t.Fatalf("decoded value changed with its input: %+v", got)
	}
}

// TestDecodedBytesAreClipped appends to every decoded []byte field: with
// spare capacity the append would write into memory that later strings of
// the same or the next message use.
func TestDecodedBytesAreClipped(t *testing.T) {
	for _, s := range fullSamples() {
		data, err := Marshal(s.msg)
		if err != nil {
			t.Fatal(err)
		}
		got := newLike(s.msg)
		if err := Unmarshal(data, got); err != nil {
			t.Fatal(err)
		}
		v := reflect.ValueOf(got).Elem()
		for i := range v.NumField() {
			if f := v.Field(i); f.Type() == reflect.TypeFor[[]byte]() {
				if f.Cap() != f.Len() {
					t.Errorf("%s.%s: len %d, cap %d", s.name, v.Type().Field(i).Name, f.Len(), f.Cap())
				}
				f.SetBytes(append(f.Bytes(), "overwrite"...))
			}
		}
		if !reflect.DeepEqual(toGeneric(v.Addr()), withoutBytes(toGeneric(reflect.ValueOf(s.msg)), toGeneric(v))) {
			t.Errorf("%s: appending to a byte field changed other fields: %+v", s.name, got)
		}
	}
}

// withoutBytes copies the []byte fields of got into want, so that only the
// other fields are compared.
func withoutBytes(want, got any) any {
	w, g := want.(map[string]any), got.(map[string]any)
	for k, v := range g {
		if _, ok := v.([]byte); ok {
			w[k] = v
		}
	}
	return w
}

func TestTypeErrors(t *testing.T) {
	var nilCD *ClientData
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"marshal unknown", second(Marshal("text")), ErrUnknownMessage},
		{"marshal nil interface", second(Marshal(nil)), ErrUnknownMessage},
		{"marshal foreign struct", second(Marshal(struct{ A string }{})), ErrUnknownMessage},
		{"marshal nil pointer", second(Marshal(nilCD)), ErrNilMessage},
		{"unmarshal unknown", Unmarshal(nil, new(string)), ErrUnknownMessage},
		{"unmarshal nil interface", Unmarshal(nil, nil), ErrUnknownMessage},
		{"unmarshal into value", Unmarshal(nil, ClientData{}), ErrUnknownMessage},
		{"unmarshal nil pointer", Unmarshal(nil, nilCD), ErrNilMessage},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestTruncatedAndTrailing cuts every encoding at every length and appends
// a byte: hamba alone accepts many of these (it reports a clean end of input
// as success), Unmarshal must not.
func TestTruncatedAndTrailing(t *testing.T) {
	for _, s := range append(fullSamples(), emptySamples()...) {
		t.Run(s.name, func(t *testing.T) {
			data, err := Marshal(s.msg)
			if err != nil {
				t.Fatal(err)
			}
			for n := range len(data) {
				if err := Unmarshal(data[:n], newLike(s.msg)); !errors.Is(err, ErrDecode) {
					t.Fatalf("%d of %d bytes: err = %v, want ErrDecode", n, len(data), err)
				}
			}
			if err := Unmarshal(append(data, 0), newLike(s.msg)); !errors.Is(err, ErrDecode) {
				t.Fatalf("trailing byte: err = %v, want ErrDecode", err)
			}
		})
	}
}

// TestGarbage feeds random and mutated input to every type: errors must wrap
// ErrDecode, nothing may panic, and whatever decodes must encode again.
func TestGarbage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range fullSamples() {
		t.Run(s.name, func(t *testing.T) {
			valid, err := Marshal(s.msg)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2000 {
				var data []byte
				if i%2 == 0 {
					data = make([]byte, rng.IntN(64))
					for j := range data {
						data[j] = byte(rng.Uint32())
					}
				} else {
					data = bytes.Clone(valid)
					for range 1 + rng.IntN(4) {
						data[rng.IntN(len(data))] = byte(rng.Uint32())
					}
				}
				got := newLike(s.msg)
				err := Unmarshal(data, got)
				if err != nil {
					if !errors.Is(err, ErrDecode) {
						t.Fatalf("input %x: err = %v, want ErrDecode", data, err)
					}
					continue
				}
				if _, err := Marshal(got); err != nil {
					t.Fatalf("input %x decoded to a message that does not encode: %v", data, err)
				}
			}
		})
	}
}

// TestHostileLengthsDoNotAllocate sends tiny messages that claim huge
// strings, bytes, maps and arrays.
func TestHostileLengthsDoNotAllocate(t *testing.T) {
	huge := []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f} // zigzag 2^62-1
	tests := []struct {
		name string
		data []byte
		msg  any
	}{
		{"string length", append([]byte{}, huge...), &ClientData{}},
		// Small enough for hamba to allocate before it notices the end of input.
		{"32 MiB string length", []byte{0x80, 0x80, 0x80, 0x20, 'x'}, &ClientData{}},
		{"bytes length", cat([]byte{0, 0, 0, 0, 2, 0, 0, 2}, huge), &ClientData{}}, // payload after null endpointId/requestId
		{"map count", cat([]byte{0, 0, 0}, huge), &EndpointConnected{}},
		{"array count", cat([]byte{0, 0, 0, 0, 0}, huge), &EndpointTokenRevokedEvent{}},
	}
	if _, err := loadCodec(); err != nil { // parsing the schemas allocates
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := Unmarshal(tt.data, tt.msg)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("err = %v, want ErrDecode", err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
				t.Fatalf("allocated %d bytes for a %d-byte message", n, len(tt.data))
			}
		})
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestNewCorrelationIDUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		id := NewCorrelationID()
		if id == "" || seen[id] || !ValidToken(id) {
			t.Fatalf("bad or repeated correlation ID %q", id)
		}
		seen[id] = true
	}
}

func TestNowMillis(t *testing.T) {
	// 2020-01-01 and 2200-01-01: catches seconds or nanoseconds.
	if now := NowMillis(); now < 1577836800000 || now > 7258118400000 {
		t.Fatalf("NowMillis() = %d, not UNIX milliseconds", now)
	}
}

func BenchmarkMarshalClientData(b *testing.B)    { benchMarshal(b, rfcClientData()) }
func BenchmarkUnmarshalClientData(b *testing.B)  { benchUnmarshal[ClientData](b, rfcClientData()) }
func BenchmarkMarshalExtensionData(b *testing.B) { benchMarshal(b, rfcExtensionData()) }
func BenchmarkUnmarshalExtensionData(b *testing.B) {
	benchUnmarshal[ExtensionData](b, rfcExtensionData())
}

func benchMarshal(b *testing.B, msg any) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// benchUnmarshal decodes msg's encoding into a T.
func benchUnmarshal[T any](b *testing.B, msg any) {
	data, err := Marshal(msg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var got T
		if err := Unmarshal(data, &got); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmarshalExtensionDataParallel shows the codec scales across cores
// (pooled readers, no shared locks).
func BenchmarkUnmarshalExtensionDataParallel(b *testing.B) {
	data, err := Marshal(rfcExtensionData())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var msg ExtensionData
			if err := Unmarshal(data, &msg); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
