package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestWireFormat pins the JSON of every wire type: the keys are what
// scripts and Kaa tools read.
func TestWireFormat(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ep := Endpoint{ID: "e1", TokenID: "t1", Tenant: "kaa", App: "demo", Status: StatusActive, CreatedAt: at}
	tests := []struct {
		v    any
		want string
	}{
		{Error{StatusCode: 404, ReasonPhrase: "gone"}, `{"statusCode":404,"reasonPhrase":"gone"}`},
		{App{Name: "demo", Tenant: "kaa", Versions: []string{"demo-v1"}, AutoRegister: true, CreatedAt: at},
			`{"name":"demo","tenant":"kaa","versions":["demo-v1"],"autoRegister":true,"createdAt":"2026-01-02T03:04:05Z"}`},
		{AppSpec{Name: "demo"}, `{"name":"demo","versions":null,"autoRegister":false}`},
		{ep, `{"endpointId":"e1","tokenId":"t1","tenant":"kaa","app":"demo","status":"active","createdAt":"2026-01-02T03:04:05Z"}`},
		{CreatedEndpoint{Endpoint: ep, Token: "secret"},
			`{"endpointId":"e1","tokenId":"t1","tenant":"kaa","app":"demo","status":"active","createdAt":"2026-01-02T03:04:05Z","token":"secret"}`},
		{EndpointSpec{}, `{"token":""}`},
		{StatusSpec{Status: "suspended"}, `{"status":"suspended"}`},
		{BasicCredential{ID: "c1", Tenant: "kaa", Username: "u", ClientID: "u", Status: StatusRevoked, CreatedAt: at},
			`{"credentialsId":"c1","tenant":"kaa","username":"u","clientId":"u","status":"revoked","createdAt":"2026-01-02T03:04:05Z"}`},
		{BasicSpec{Username: "u", Password: "p"}, `{"username":"u","password":"p"}`},
		{CertCredential{ID: "c2", Tenant: "kaa", Issuer: "CN=CA", Serial: "5", NotAfter: &at, Status: StatusActive, CreatedAt: at},
			`{"credentialsId":"c2","tenant":"kaa","issuer":"CN=CA","serial":"5","notAfter":"2026-01-02T03:04:05Z","status":"active","createdAt":"2026-01-02T03:04:05Z"}`},
		{CertSpec{Issuer: "CN=CA", Serial: "5"}, `{"issuer":"CN=CA","serial":"5"}`},
		{BlobPage{Content: []Blob{{ID: "b1", EndpointID: "e1", Size: 3, CreatedDate: at, URL: "/u"}}, TotalElements: 1, Size: 20},
			`{"content":[{"id":"b1","endpointId":"e1","name":"","size":3,"contentType":"","createdDate":"2026-01-02T03:04:05Z","url":"/u"}],"totalElements":1,"page":0,"size":20}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.v)
		if err != nil || string(got) != tt.want {
			t.Errorf("%T:\n got %s %v\nwant %s", tt.v, got, err, tt.want)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		status int
		kind   error
		answer int // the status a server answers the kind with
	}{
		{http.StatusBadRequest, ErrInvalid, http.StatusBadRequest},
		{http.StatusRequestEntityTooLarge, ErrInvalid, http.StatusBadRequest},
		{http.StatusUnauthorized, ErrUnauthorized, http.StatusUnauthorized},
		{http.StatusForbidden, ErrUnauthorized, http.StatusUnauthorized},
		{http.StatusNotFound, ErrNotFound, http.StatusNotFound},
		{http.StatusConflict, ErrExists, http.StatusConflict},
		{http.StatusInternalServerError, nil, http.StatusInternalServerError},
		{http.StatusServiceUnavailable, nil, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		if got := KindOf(tt.status); got != tt.kind {
			t.Errorf("KindOf(%d) = %v, want %v", tt.status, got, tt.kind)
		}
		wrapped := fmt.Errorf("op: %w", tt.kind)
		if tt.kind == nil {
			wrapped = errors.New("disk on fire")
		}
		if got := StatusOf(wrapped); got != tt.answer {
			t.Errorf("StatusOf(%v) = %d, want %d", wrapped, got, tt.answer)
		}
	}
}
