package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/echo"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

func newServeCmd(ios *output.IOStreams, logs *cli.LogFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run one service (for deployments with NATS outside)",
		Example: `  kaactl serve kpc --nats nats://nats.example:4222 --config kpc.yaml
  kaactl serve echo --nats nats://nats.example:4222`,
	}
	cmd.AddCommand(newServeKPCCmd(ios, logs, nil), newServeBCXCmd(ios, logs, nil), newServeProviderCmd(ios, logs, nil), newServeEchoCmd(ios, logs, nil))
	return cmd
}

// serveKPCOptions are the flags of `kaactl serve kpc`.
type serveKPCOptions struct {
	kpc.Options
	cli.ServeFlags
}

// Use and Build make it cli.ServiceOptions.
func (o *serveKPCOptions) Use(log *slog.Logger, apps kaaconfig.AppConfig) {
	o.Logger, o.Apps = log, apps
}
func (o *serveKPCOptions) Build() (*kpc.Server, error) { return kpc.New(o.Options) }

func newServeKPCCmd(ios *output.IOStreams, logs *cli.LogFlags, runF func(context.Context, *serveKPCOptions) error) *cobra.Command {
	o := &serveKPCOptions{Options: kpc.DefaultOptions()}
	return cli.ServiceCommand(&cobra.Command{
		Use:   "kpc",
		Short: "Run the Kaa Protocol edge: 1/KP over MQTT and HTTP, relayed to extensions over NATS",
		Long: `Run one KPC replica. Devices publish 1/KP requests
(kp1/<appVersion>/<extension>/<token>/<resource>[/<requestId>]) over MQTT, or POST
them to /kp1/... over HTTP; KPC resolves the endpoint token with the ECAP provider,
relays the request to kaa.v1.service.<extension>.esp.ClientData and writes the
extension's answer to <topic>/status (or <topic>/error) of the requesting client only.

Without --config every application version is accepted (its application name is
the version name up to the last '-') and every extension is endpoint-aware. A
config file restricts that with Kaa's shape:

  kaa:
    applications:
      demo:
        versions:
          demo-v1:
            allowed-extension-instances: [echo, bcx]
    extension-instances:
      epr:
        endpoint-aware: false

MQTT/TLS (--mqtts-addr, Kaa's port is 8883) and MQTT over WebSocket (--ws-addr,
path /ws) run next to MQTT/TCP; --https-addr serves 1/KP over HTTP, MQTT over
WebSocket (/ws), /api/v1/cert and /health over TLS, and --path-prefix /kpc puts
them at Kaa's cloud paths (https://<host>/kpc/kp1/...). Devices fetch the
certificate to trust from GET /api/v1/cert.

Management: GET /health (503 while NATS is down or draining), GET /metrics
(Prometheus), GET /api/v1/cert, GET /api/v1/sessions on --rest-addr.
SIGINT/SIGTERM drain.`,
		Example: `  kaactl serve kpc --nats nats://nats.example:4222 --config kpc.yaml
  kaactl serve kpc --mqtts-addr :8883 --https-addr :8443 --path-prefix /kpc --tls-generate
  KAA_MQTT_ADDR=:1884 kaactl serve kpc --http-addr ""`,
	}, ios.ErrOut, logs, o, runF, "YAML config file: any flag of this command as a top-level key, plus kaa.applications and kaa.extension-instances",
		15*time.Second, "on shutdown, wait this long for in-flight requests")
}

// serveEchoOptions are the flags of `kaactl serve echo`.
type serveEchoOptions struct {
	echo.Options
	cli.ServeFlags
}

func (o *serveEchoOptions) Use(log *slog.Logger, _ kaaconfig.AppConfig) { o.Logger = log }
func (o *serveEchoOptions) Build() (*echo.Service, error)               { return echo.New(o.Options) }

func newServeEchoCmd(ios *output.IOStreams, logs *cli.LogFlags, runF func(context.Context, *serveEchoOptions) error) *cobra.Command {
	return cli.ServiceCommand(&cobra.Command{
		Use:   "echo",
		Short: "Run a demo extension that answers every 1/KP request with its own payload",
		Example: `  kaactl serve echo --nats nats://nats.example:4222
  kaactl serve echo --instance echo2`,
	}, ios.ErrOut, logs, &serveEchoOptions{Options: echo.DefaultOptions()}, runF, "", 5*time.Second, "")
}
