package tables

import (
	"bytes"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/api"
)

// TestGolden prints every layout in a pipe and on a terminal and compares
// with testdata/TestGolden/<layout>.golden; -update rewrites them.
func TestGolden(t *testing.T) {
	// output.Time prints local time: make it the same on every machine.
	local := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = local })
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	notAfter := at.AddDate(1, 0, 0)
	now := at.Add(90 * time.Minute)
	tests := []struct {
		name  string
		print func(p *output.Printer, tty bool) error
	}{
		{"apps", func(p *output.Printer, _ bool) error {
			return Apps().List(p, []api.App{
				{Name: "demo", Versions: []string{"demo-v1"}, AutoRegister: true, CreatedAt: at},
				{Name: "thermo", Versions: []string{"thermo-v1", "thermo-v2"}},
			})
		}},
		{"endpoints", func(p *output.Printer, _ bool) error {
			return Endpoints().List(p, []api.Endpoint{
				{ID: "ep-1", Name: "kitchen", Status: api.StatusActive, TokenID: "tok-1", CreatedAt: at},
				{ID: "ep-2", Status: api.StatusSuspended, TokenID: "tok-2", CreatedAt: at},
			})
		}},
		{"created-endpoint", func(p *output.Printer, _ bool) error {
			e := api.CreatedEndpoint{Endpoint: api.Endpoint{ID: "ep-1", TokenID: "tok-1"}, Token: "s3cret-token"}
			return CreatedEndpoint().Print(p, e, e)
		}},
		{"basic", func(p *output.Printer, _ bool) error {
			return Basic().List(p, []api.BasicCredential{{ID: "cred-1", Username: "sensor-1", ClientID: "sensor-1", Status: api.StatusActive, CreatedAt: at}})
		}},
		{"certs", func(p *output.Printer, _ bool) error {
			return Certs().List(p, []api.CertCredential{
				{ID: "cred-2", Issuer: "CN=Device CA", Serial: "4096", Subject: "CN=device-42", NotAfter: &notAfter, Status: api.StatusActive},
				{ID: "cred-3", Issuer: "CN=Other CA", Serial: "77", Status: api.StatusRevoked},
			})
		}},
		{"blobs", func(p *output.Printer, tty bool) error {
			return Blobs(tty, now).List(p, []api.Blob{
				{ID: "b-1", EndpointID: "ep-1", Name: "photo.jpg", Size: 1536 << 10, ContentType: "image/jpeg", CreatedDate: at},
				{ID: "b-2", EndpointID: "ep-1", Size: 12, CreatedDate: now.Add(-5 * time.Second)},
			})
		}},
		{"sessions", func(p *output.Printer, _ bool) error {
			return Sessions().List(p, []api.Session{
				{Replica: "r1", ClientID: "dev-a", Transport: "mqtt", Remote: "127.0.0.1:5000", Tenant: "kaa",
					Endpoints: []api.SessionEndpoint{{EndpointID: "ep-1"}, {EndpointID: "ep-2"}}, ConnectedAt: at, MsgsIn: 3, MsgsOut: 2},
				{Replica: "r2", ClientID: "dev-b", Transport: "ws", Remote: "[::1]:6000", ConnectedAt: at},
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bytes.Buffer
			for _, tty := range []bool{false, true} {
				ios, _, out, _ := output.Test()
				ios.SetStdoutTTY(tty)
				if err := tt.print(output.NewPrinter(ios), tty); err != nil {
					t.Fatal(err)
				}
				got.WriteString(map[bool]string{false: "# pipe\n", true: "# terminal\n"}[tty])
				got.Write(out.Bytes())
			}
			golden.RequireEqual(t, got.Bytes())
		})
	}
}
