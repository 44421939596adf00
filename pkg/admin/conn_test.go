package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
)

// TestAdminTokenFile: the file the clients read is the one the platform
// writes.
func TestAdminTokenFile(t *testing.T) {
	if admin.AdminTokenFile != platform.AdminTokenFile {
		t.Errorf("admin.AdminTokenFile %q, platform.AdminTokenFile %q", admin.AdminTokenFile, platform.AdminTokenFile)
	}
}

// upload stores a blob of the demo application through KPC and BCX, as a
// device does: a BCX token over 1/KP, then the upload.
func upload(t *testing.T, p *platform.Platform, token, name, body string) {
	t.Helper()
	resp, data := testenv.HTTP(t, nil, http.MethodPost, "http://"+p.KPC().HTTPAddr()+"/kp1/"+platform.DemoAppVersion+"/bcx/"+token+"/token", nil)
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(data), &tok); err != nil || tok.Token == "" {
		t.Fatalf("bcx token: %d %v", resp.StatusCode, err)
	}
	if resp, data = testenv.HTTP(t, nil, http.MethodPost, "http://"+p.BCX().RESTAddr()+"/api/v1/binary-data?name="+name, strings.NewReader(body),
		"X-Auth-Token", tok.Token); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, data)
	}
}

// TestConn: the clients of a Conn find the admin token in the data dir,
// list what the flags ask for, save blobs, and tell an unknown application
// from one without blobs.
func TestConn(t *testing.T) {
	p := platformtest.Start(t)
	ctx := context.Background()
	ep, _, err := p.Provider().CreateEndpoint(ctx, platform.DemoTenant, platform.DemoApp, "conn-device")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		upload(t, p, "conn-device", fmt.Sprintf("b%d", i), strings.Repeat("x", i+1))
	}
	c := &admin.Conn{ProviderURL: "http://" + p.Provider().RESTAddr(), BCXURL: "http://" + p.BCX().RESTAddr(), DataDir: p.DataDir(), Tenant: platform.DemoTenant}

	if tok, err := c.AdminToken(); err != nil || tok != p.AdminToken() {
		t.Fatalf("admin token from the data dir: %q %v", tok, err)
	}
	pc, err := c.Provider()
	if err != nil || c.CalledURL() != c.ProviderURL {
		t.Fatalf("provider: %v, called %q", err, c.CalledURL())
	}
	if apps, err := pc.ListApps(ctx, c.Tenant); err != nil || len(apps) != 1 || apps[0].Name != platform.DemoApp {
		t.Errorf("apps %v %v", apps, err)
	}
	b, err := c.BlobsAs(ctx, &admin.ClientAuth{})
	if err != nil || c.CalledURL() != c.BCXURL {
		t.Fatalf("blobs with the admin token: %v, called %q", err, c.CalledURL())
	}

	for _, tt := range []struct {
		args  []string
		names string
		total int64
	}{
		{nil, "b2,b1,b0", 3},
		{[]string{"--limit", "2"}, "b2,b1", 3},
		{[]string{"--size", "1", "--asc"}, "b0", 3},
		{[]string{"--limit", "1", "--all", "--endpoint", ep.ID}, "b2,b1,b0", 3},
		{[]string{"--endpoint", "someone-else"}, "", 0},
	} {
		q := admin.BlobQuery{Limit: 20}
		fs := pflag.NewFlagSet("ls", pflag.ContinueOnError)
		q.BindFlags(fs)
		if err := fs.Parse(tt.args); err != nil || q.Validate() != nil {
			t.Fatalf("%v: %v %v", tt.args, err, q.Validate())
		}
		page, err := b.Query(ctx, platform.DemoApp, q)
		var names []string
		for _, b := range page.Content {
			names = append(names, b.Name)
		}
		if err != nil || strings.Join(names, ",") != tt.names || page.TotalElements != tt.total {
			t.Errorf("%v: %v of %d, %v; want %s of %d", tt.args, names, page.TotalElements, err, tt.names, tt.total)
		}
	}
	if err := (&admin.BlobQuery{}).Validate(); err == nil || err.Error() != "--limit must be at least 1 (or --all)" {
		t.Errorf("limit 0: %v", err)
	}

	page, err := b.Query(ctx, platform.DemoApp, admin.BlobQuery{Limit: 1, Asc: true})
	if err != nil || len(page.Content) != 1 {
		t.Fatal(page, err)
	}
	var out bytes.Buffer
	if d, err := b.Save(ctx, platform.DemoApp, ep.ID, page.Content[0].ID, "-", &out); err != nil || d.Path != "" || out.String() != "x" || d.Bytes != 1 {
		t.Errorf("save to stdout: %+v %q %v", d, out.String(), err)
	}
	file := filepath.Join(t.TempDir(), "blob")
	if d, err := b.Save(ctx, platform.DemoApp, ep.ID, page.Content[0].ID, file, io.Discard); err != nil || d.Path != file {
		t.Errorf("save to a file: %+v %v", d, err)
	}
	if data, err := os.ReadFile(file); err != nil || string(data) != "x" {
		t.Errorf("saved file: %q %v", data, err)
	}

	// An application the provider does not know, and one without blobs.
	if _, err := p.Provider().CreateApp(ctx, platform.DemoTenant, "empty", []string{"empty-v1"}, false); err != nil {
		t.Fatal(err)
	}
	if err := c.UnknownApp(ctx, "empty", nil); err != nil {
		t.Errorf("an application without blobs: %v", err)
	}
	err = c.UnknownApp(ctx, "nope", nil)
	if !errors.Is(err, admin.ErrNotFound) || err.Error() != `not found: application "nope" does not exist in tenant "kaa"` {
		t.Errorf("unknown application: %v", err)
	}
	other := errors.New("connection reset")
	if err := c.UnknownApp(ctx, "nope", other); err != other {
		t.Errorf("another error: %v", err)
	}
	down := *c
	down.ProviderURL = "http://127.0.0.1:1"
	if err := down.UnknownApp(ctx, "nope", nil); err != nil {
		t.Errorf("no provider to ask: %v", err)
	}
}

// TestAdminToken: --admin-token wins; without it the data dir's file must
// be there and hold a token.
func TestAdminToken(t *testing.T) {
	dir := t.TempDir()
	if tok, err := (&admin.Conn{Token: "t", DataDir: dir}).AdminToken(); tok != "t" || err != nil {
		t.Errorf("flag: %q %v", tok, err)
	}
	_, err := (&admin.Conn{DataDir: dir}).AdminToken()
	if err == nil || !strings.HasPrefix(err.Error(), "no admin token: pass --admin-token or set KAA_ADMIN_TOKEN (open ") {
		t.Errorf("no file: %v", err)
	}
	path := testenv.WriteFile(t, dir, admin.AdminTokenFile, " \n")
	if _, err := (&admin.Conn{DataDir: dir}).AdminToken(); err == nil || err.Error() != "no admin token: "+path+" is empty; pass --admin-token" {
		t.Errorf("empty file: %v", err)
	}
	if _, err := (&admin.Conn{DataDir: dir}).Provider(); err == nil {
		t.Error("a provider client without a token")
	}
}
