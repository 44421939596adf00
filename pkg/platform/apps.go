package platform

import (
	"context"
	"fmt"
	"maps"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

// appConfig is the application config KPC runs with: the config file's
// applications as they are, plus every version the provider knows, which
// may reach any extension (anything can attach to up's NATS). A version
// the file lists keeps the file's settings.
func appConfig(file kaaconfig.AppConfig, apps []provider.App) kaaconfig.AppConfig {
	out := kaaconfig.AppConfig{Applications: maps.Clone(file.Applications), ExtensionInstances: file.ExtensionInstances}
	if out.Applications == nil {
		out.Applications = map[string]kaaconfig.Application{}
	}
	listed := map[string]bool{}
	for _, a := range file.Applications {
		for v := range a.Versions {
			listed[v] = true
		}
	}
	for _, a := range apps {
		app := out.Applications[a.Name]
		app.Versions = maps.Clone(app.Versions)
		if app.Versions == nil {
			app.Versions = map[string]kaaconfig.AppVersionConfig{}
		}
		if app.TenantID == "" {
			app.TenantID = a.Tenant
		}
		for _, v := range a.Versions {
			if !listed[v] {
				app.Versions[v] = kaaconfig.AppVersionConfig{AllowedExtensionInstances: []string{kaaconfig.AnyExtension}}
			}
		}
		out.Applications[a.Name] = app
	}
	return out
}

// syncApps gives KPC the applications the provider knows now. The provider
// calls it after every change (Options.OnAppsChange), so that a version
// `kaactl apps create` adds answers at once; the lock keeps an older
// snapshot from overwriting a newer one.
func (p *Platform) syncApps() {
	p.appsMu.Lock()
	defer p.appsMu.Unlock()
	if p.kpc == nil || p.provider == nil {
		return // Start syncs once KPC exists
	}
	if err := p.setApps(context.Background()); err != nil {
		p.log.Error("kpc applications not updated", "error", err)
	}
}

func (p *Platform) setApps(ctx context.Context) error {
	apps, err := p.provider.AllApps(ctx)
	if err != nil {
		return fmt.Errorf("list applications: %w", err)
	}
	return p.kpc.SetApps(appConfig(p.opts.KPC.Apps, apps))
}
