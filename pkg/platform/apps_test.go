package platform

import (
	"testing"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

func TestAppConfig(t *testing.T) {
	file := kaaconfig.AppConfig{Applications: map[string]kaaconfig.Application{
		"legacy": {Versions: map[string]kaaconfig.AppVersionConfig{"demo-v1": {AllowedExtensionInstances: []string{"echo"}}}},
	}}
	c := appConfig(file, []provider.App{
		{Name: "demo", Tenant: "kaa", Versions: []string{"demo-v1", "demo-v2"}},
		{Name: "lab", Tenant: "acme", Versions: []string{"x1"}},
	})
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ version, ext, app string }{
		{"demo-v1", "echo", "legacy"}, // the file's, with its settings
		{"demo-v1", "bcx", ""},
		{"demo-v2", "anything", "demo"},
		{"x1", "bcx", "lab"},
		{"nope-v1", "echo", ""},
	} {
		if app, _ := c.Resolve(tt.version, tt.ext); app != tt.app {
			t.Errorf("Resolve(%s, %s) = %q, want %q", tt.version, tt.ext, app, tt.app)
		}
	}
	if tenant, _ := c.Tenant("lab"); tenant != "acme" {
		t.Errorf("tenant of lab %q", tenant)
	}
	if len(file.Applications) != 1 || len(file.Applications["legacy"].Versions) != 1 {
		t.Errorf("the file's config was changed: %+v", file)
	}
}
