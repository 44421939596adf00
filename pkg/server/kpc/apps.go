package kpc

import (
	"fmt"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// SetApps replaces the application config (Options.Apps) of a running
// replica: requests after it is called resolve their application versions
// with c. A process that owns the applications (kaactl up, whose provider
// knows them) calls it on start and whenever they change. An empty c
// accepts every version again.
func (s *Server) SetApps(c kaaconfig.AppConfig) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("kpc applications: %w", err)
	}
	s.apps.Store(&c)
	s.tokens.clear() // an application may have gone, or moved to another tenant
	return nil
}

// appConfig is the application config requests resolve against: the last
// SetApps, else Options.Apps.
func (s *Server) appConfig() *kaaconfig.AppConfig {
	if c := s.apps.Load(); c != nil {
		return c
	}
	return &s.opts.Apps
}
