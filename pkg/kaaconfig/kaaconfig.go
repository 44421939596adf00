// Package kaaconfig is Kaa's application configuration shared by the
// services: which application versions exist, what they may reach,
// per-application settings and per-tenant client authentication policy, and
// the 17/SCMP events that change them at run time.
package kaaconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// AppConfig is Kaa's application configuration shape:
//
//	kaa:
//	  applications:
//	    <appName>:
//	      versions:
//	        <appVersionName>:
//	          allowed-extension-instances: [echo, bcx]
//	  extension-instances:
//	    <name>:
//	      endpoint-aware: true
//	  tenants:
//	    <tenantId>:
//	      config: ...        # see Tenant
//
// An empty AppConfig (no applications) is open: any app version is accepted,
// its app name is the version name up to the last '-', and every extension is
// endpoint-aware. That keeps a laptop setup to one command; production configs
// list their applications.
type AppConfig struct {
	Applications       map[string]Application       `yaml:"applications"`
	ExtensionInstances map[string]ExtensionInstance `yaml:"extension-instances"`
	Tenants            map[string]Tenant            `yaml:"tenants,omitempty"`

	// versions indexes app versions to their application name.
	versions map[string]appVersion
	// sole is the tenant owning every configured application ("" for
	// several); see SoleTenant.
	sole string
}

// Application is one Kaa application.
type Application struct {
	// TenantID owns the application (default DefaultTenant).
	TenantID string                      `yaml:"tenant-id"`
	Versions map[string]AppVersionConfig `yaml:"versions"`
	// BCX holds the application's blob extension settings.
	BCX BCXSettings `yaml:"bcx"`
}

// BCXSettings are per-application overrides of BCX defaults.
type BCXSettings struct {
	Tokens struct {
		// Expiration of upload tokens (Kaa: kaa.bcx.tokens.expiration); 0 = service default.
		Expiration time.Duration `yaml:"expiration"`
	} `yaml:"tokens"`
}

// DefaultTenant owns applications that do not name a tenant.
const DefaultTenant = "kaa"

// AnyExtension in AllowedExtensionInstances lets an application version
// reach every extension instance (kaactl up gives the versions its provider
// knows this, as any extension may attach to its NATS).
const AnyExtension = "*"

// AppVersionConfig lists what one application version may reach.
type AppVersionConfig struct {
	AllowedExtensionInstances []string `yaml:"allowed-extension-instances"`
}

// ExtensionInstance describes one extension service instance.
type ExtensionInstance struct {
	// EndpointAware is a pointer so that "not said" defaults to true.
	EndpointAware *bool `yaml:"endpoint-aware"`
}

type appVersion struct {
	appName string
	allowed map[string]bool
}

// configFile is the top level of a --config file.
type configFile struct {
	Kaa AppConfig `yaml:"kaa"`
}

// Load reads the kaa: section of a YAML config file.
func Load(path string) (AppConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return AppConfig{}, fmt.Errorf("read config: %w", err)
	}
	return Parse(data)
}

// Parse parses the YAML of a config file and indexes it.
func Parse(data []byte) (AppConfig, error) {
	var f configFile
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return AppConfig{}, fmt.Errorf("parse config: %w", err)
	}
	if err := f.Kaa.Validate(); err != nil {
		return AppConfig{}, err
	}
	return f.Kaa, nil
}

// Validate checks the config and builds the app version index; Load and
// Parse call it, code that builds an AppConfig by hand must too.
func (c *AppConfig) Validate() error {
	var errs []error
	c.versions = make(map[string]appVersion)
	owner := make(map[string]string)
	for app, a := range c.Applications {
		if app == "" {
			errs = append(errs, errors.New("config: application with an empty name"))
		}
		for ver, v := range a.Versions {
			if ver == "" || strings.ContainsAny(ver, "/+#") {
				errs = append(errs, fmt.Errorf("config: application %q: invalid version name %q", app, ver))
				continue
			}
			if prev, dup := owner[ver]; dup {
				errs = append(errs, fmt.Errorf("config: version %q is listed by applications %q and %q", ver, prev, app))
				continue
			}
			owner[ver] = app
			allowed := make(map[string]bool, len(v.AllowedExtensionInstances))
			for _, ext := range v.AllowedExtensionInstances {
				allowed[ext] = true
			}
			c.versions[ver] = appVersion{appName: app, allowed: allowed}
		}
	}
	if err := validateTenants(c.Tenants); err != nil {
		errs = append(errs, err)
	}
	c.sole = ""
	for app := range c.Applications {
		t, _ := c.Tenant(app)
		if c.sole != "" && t != c.sole {
			c.sole = ""
			break
		}
		c.sole = t
	}
	return errors.Join(errs...)
}

// Open reports whether no applications are configured (accept-all mode).
func (c *AppConfig) Open() bool { return len(c.Applications) == 0 }

// EndpointAware reports whether the level after an extension is a token.
func (c *AppConfig) EndpointAware(ext string) bool {
	if e, ok := c.ExtensionInstances[ext]; ok && e.EndpointAware != nil {
		return *e.EndpointAware
	}
	return true
}

// Resolve returns the application name of an app version and whether it may
// reach the extension.
func (c *AppConfig) Resolve(appVersionName, ext string) (appName string, ok bool) {
	if c.Open() {
		return openAppName(appVersionName), true
	}
	v, found := c.versions[appVersionName]
	if !found || !v.allowed[ext] && !v.allowed[AnyExtension] {
		return "", false
	}
	return v.appName, true
}

// AppName returns the application of an app version, whatever it may reach.
func (c *AppConfig) AppName(appVersionName string) (string, bool) {
	if c.Open() {
		return openAppName(appVersionName), true
	}
	v, found := c.versions[appVersionName]
	return v.appName, found
}

// openAppName is Kaa's naming convention: <appName>-<version>.
func openAppName(appVersionName string) string {
	if i := strings.LastIndexByte(appVersionName, '-'); i > 0 {
		return appVersionName[:i]
	}
	return appVersionName
}

// Tenant returns the tenant owning an application. In open mode every
// application belongs to DefaultTenant.
func (c *AppConfig) Tenant(appName string) (string, bool) {
	if c.Open() {
		return DefaultTenant, true
	}
	a, ok := c.Applications[appName]
	if !ok {
		return "", false
	}
	if a.TenantID == "" {
		return DefaultTenant, true
	}
	return a.TenantID, true
}

// TenantConfig returns the configuration of a tenant (zero value if unknown).
func (c *AppConfig) TenantConfig(tenant string) TenantConfig {
	return c.Tenants[tenant].Config
}

// SoleTenant returns the tenant owning every application, when there is
// one: DefaultTenant in open mode, else the tenant all configured
// applications name (as of Validate). Traffic can then only ever be that
// tenant's.
func (c *AppConfig) SoleTenant() (string, bool) {
	if c.Open() {
		return DefaultTenant, true
	}
	return c.sole, c.sole != ""
}

// BCX returns the BCX settings of an application (zero value if unknown).
func (c *AppConfig) BCX(appName string) BCXSettings {
	return c.Applications[appName].BCX
}
