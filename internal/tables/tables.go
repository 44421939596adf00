// Package tables holds the table layouts of the management APIs' types:
// which columns the commands show of applications, endpoints, credentials,
// blobs and sessions, and how each cell reads. In a pipe the cells are
// those a script wants (sizes in bytes, RFC 3339 times); -o json and -o
// yaml show every field instead.
package tables

import (
	"strings"
	"time"

	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// Apps lists applications.
func Apps() output.Columns[api.App] {
	return output.Columns[api.App]{
		Header: []string{"NAME", "VERSIONS", "AUTO-REGISTER", "CREATED"},
		Row: func(a api.App) []any {
			return []any{a.Name, strings.Join(a.Versions, ","), a.AutoRegister, output.Time(a.CreatedAt)}
		},
	}
}

// Endpoints lists endpoints, never their tokens.
func Endpoints() output.Columns[api.Endpoint] {
	return output.Columns[api.Endpoint]{
		Header: []string{"ENDPOINT ID", "NAME", "STATUS", "TOKEN ID", "CREATED"},
		Row: func(e api.Endpoint) []any {
			return []any{e.ID, output.OrDash(e.Name), e.Status, e.TokenID, output.Time(e.CreatedAt)}
		},
	}
}

// CreatedEndpoint is a new endpoint with the token shown this once.
func CreatedEndpoint() output.Columns[api.CreatedEndpoint] {
	return output.Columns[api.CreatedEndpoint]{
		Header: []string{"ENDPOINT ID", "TOKEN ID", "TOKEN"},
		Row:    func(e api.CreatedEndpoint) []any { return []any{e.ID, e.TokenID, e.Token} },
	}
}

// Basic lists basic credentials (they carry no password).
func Basic() output.Columns[api.BasicCredential] {
	return output.Columns[api.BasicCredential]{
		Header: []string{"CREDENTIALS ID", "USERNAME", "CLIENT ID", "STATUS", "CREATED"},
		Row: func(c api.BasicCredential) []any {
			return []any{c.ID, c.Username, c.ClientID, c.Status, output.Time(c.CreatedAt)}
		},
	}
}

// Certs lists X.509 credentials.
func Certs() output.Columns[api.CertCredential] {
	return output.Columns[api.CertCredential]{
		Header: []string{"CREDENTIALS ID", "ISSUER", "SERIAL", "SUBJECT", "NOT AFTER", "STATUS"},
		Row: func(c api.CertCredential) []any {
			notAfter := "-"
			if c.NotAfter != nil {
				notAfter = output.Time(*c.NotAfter)
			}
			return []any{c.ID, c.Issuer, c.Serial, output.OrDash(c.Subject), notAfter, c.Status}
		},
	}
}

// Blobs lists blobs: for people on a terminal (tty) sizes like 1.5 MiB and
// ages like 3m ago (at now), in a pipe bytes and RFC 3339 times.
func Blobs(tty bool, now time.Time) output.Columns[api.Blob] {
	return output.Columns[api.Blob]{
		Header: []string{"ID", "ENDPOINT", "NAME", "SIZE", "CONTENT TYPE", "CREATED"},
		Row: func(b api.Blob) []any {
			if tty {
				return []any{b.ID, b.EndpointID, output.OrDash(b.Name), output.Bytes(b.Size), output.OrDash(b.ContentType), output.Age(now.Sub(b.CreatedDate)) + " ago"}
			}
			return []any{b.ID, b.EndpointID, output.OrDash(b.Name), b.Size, output.OrDash(b.ContentType), output.Time(b.CreatedDate)}
		},
	}
}

// Sessions lists live MQTT sessions with the endpoints they act for.
func Sessions() output.Columns[api.Session] {
	return output.Columns[api.Session]{
		Header: []string{"replica", "client id", "transport", "remote", "tenant", "endpoints", "msgs in", "msgs out", "connected"},
		Row: func(s api.Session) []any {
			eps := make([]string, len(s.Endpoints))
			for i, ep := range s.Endpoints {
				eps[i] = ep.EndpointID
			}
			return []any{s.Replica, s.ClientID, s.Transport, s.Remote, output.OrDash(s.Tenant), output.OrDash(strings.Join(eps, ",")), s.MsgsIn, s.MsgsOut, output.Time(s.ConnectedAt)}
		},
	}
}

// Policies lists what a tenant requires of its sessions per MQTT transport.
func Policies() output.Columns[kaaconfig.TransportPolicy] {
	return output.Columns[kaaconfig.TransportPolicy]{
		Header: []string{"TRANSPORT", "BASIC-AUTH", "X509-AUTH"},
		Row:    func(p kaaconfig.TransportPolicy) []any { return []any{p.Transport, p.BasicAuth, p.X509Auth} },
	}
}
