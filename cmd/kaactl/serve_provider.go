package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

// serveProviderOptions are the flags of `kaactl serve provider`.
type serveProviderOptions struct {
	provider.Options
	cli.ServeFlags
}

func (o *serveProviderOptions) Use(log *slog.Logger, _ kaaconfig.AppConfig) { o.Logger = log }
func (o *serveProviderOptions) Build() (*provider.Provider, error)          { return provider.New(o.Options) }

func newServeProviderCmd(ios *output.IOStreams, logs *cli.LogFlags, runF func(context.Context, *serveProviderOptions) error) *cobra.Command {
	return cli.ServiceCommand(&cobra.Command{
		Use:   "provider",
		Short: "Run the credential provider: endpoint tokens (16/ECAP, as Kaa's cm) and client credentials (22/CAP, as ccm)",
		Long: `Run the built-in credential provider with a durable store in --data-dir.

It answers ep-token-request on kaa.v1.service.<instance>.ecap (endpoint tokens:
Inactive → Active on first use → Suspended / Revoked) and basic-request /
certificate-request on kaa.v1.service.<cap-instance>.cap, and publishes the
revocation events KPC listens to. Its REST API (bearer admin token) manages
applications, endpoints and credentials; the kaactl apps / endpoints /
credentials commands use it.`,
		Example: `  openssl rand -hex 32 > admin.token
  kaactl serve provider --nats nats://nats.example:4222 --data-dir /var/lib/kaactl/provider --admin-token-file admin.token`,
	}, ios.ErrOut, logs, &serveProviderOptions{Options: provider.DefaultOptions()}, runF, "", 15*time.Second, "on shutdown, wait this long for requests in progress")
}
