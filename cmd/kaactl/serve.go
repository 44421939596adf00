package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/bcx"
	"github.com/kaactl/kaactl/pkg/server/echo"
	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/server/provider"
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
--wss-addr, path /ws) run next to MQTT/TCP; --https-addr serves 1/KP over HTTP,
MQTT over WebSocket (/ws), /api/v1/cert and /health over TLS, and --path-prefix
/kpc puts them at Kaa's cloud paths (https://<host>/kpc/kp1/...). Devices fetch
the certificate to trust from GET /api/v1/cert. Clients authenticate through
22/CAP (--cap-provider): user name <username>@<tenantId> and password, or on
MQTT/TLS a certificate of --client-ca;
kaa.tenants.<id>.config.transports.mqtt.<tcp|tls|ws> says what a tenant
requires (also at run time, from 17/SCMP events).

Management: GET /health (503 while NATS is down or draining), GET /metrics
(Prometheus), GET /api/v1/cert, GET /api/v1/sessions (a tenant JWT of --issuer
or --tenant-manager-url) on --rest-addr.
SIGINT/SIGTERM drain.`,
		Example: `  kaactl serve kpc --nats nats://nats.example:4222 --config kpc.yaml
  kaactl serve kpc --mqtts-addr :8883 --https-addr :8443 --path-prefix /kpc --tls-generate
  KAA_MQTT_ADDR=:1884 kaactl serve kpc --http-addr ""`,
	}, ios.ErrOut, logs, o, runF, "YAML config file: any flag of this command as a top-level key, plus kaa.applications, kaa.extension-instances and kaa.tenants",
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

// serveBCXOptions are the flags of `kaactl serve bcx`.
type serveBCXOptions struct {
	bcx.Options
	cli.ServeFlags
}

func (o *serveBCXOptions) Use(log *slog.Logger, apps kaaconfig.AppConfig) {
	o.Logger, o.Apps = log, apps
}
func (o *serveBCXOptions) Build() (*bcx.Server, error) { return bcx.New(o.Options) }

func newServeBCXCmd(ios *output.IOStreams, logs *cli.LogFlags, runF func(context.Context, *serveBCXOptions) error) *cobra.Command {
	return cli.ServiceCommand(&cobra.Command{
		Use:   "bcx",
		Short: "Run the blob extension: upload tokens over 1/KP, blob uploads and management over REST",
		Long: `Run one BCX replica.

Devices request an upload token with an empty 1/KP request to
kp1/<appVersion>/bcx/<endpointToken>/token[/<requestId>] and get {"token":"..."};
they upload with POST /api/v1/binary-data[?name=] and header X-Auth-Token
(201 + Location), or POST /api/v1/files/<filename> (204, replaces the file).
--tls-cert/--tls-key serve HTTPS, --path-prefix /bcx Kaa's cloud paths.

Tokens are HMAC-signed and stateless: every replica verifies every replica's
tokens as long as they share --token-key-file.

Management (Authorization: Bearer <JWT> of the application's tenant; scope
endpoint:read, endpoint:delete for DELETE):
  GET    /api/v1/applications/<app>/binary-data[?endpointId=&page=&size=&sort=createdDate,asc]
  GET    /api/v1/applications/<app>/endpoints/<ep>/binary-data/<id>[/data]   (Range supported)
  GET    /api/v1/applications/<app>/endpoints/<ep>/binary-data/data/last
  DELETE /api/v1/applications/<app>/endpoints/<ep>/binary-data/<id>
A JWT's tenant is its issuer's realm (…/realms/<tenant>); tenant issuers come from
--issuer tenant=URL or the Tenant Manager (--tenant-manager-url).

S3 credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID, profiles,
instance roles).`,
		Example: `  # Blobs in a local S3, one shared token key, management JWTs of tenant kaa
  kaactl serve bcx --nats nats://127.0.0.1:4222 --s3-endpoint http://127.0.0.1:7070 --s3-path-style \
    --s3-bucket kaa-bcx --token-key-file /etc/kaactl/bcx.key --create-token-key \
    --issuer kaa=https://idp.example/auth/realms/kaa

  # Blobs on disk
  kaactl serve bcx --backend disk --disk-dir /var/lib/kaactl/blobs --create-token-key \
    --tls-cert bcx.crt --tls-key bcx.key --path-prefix /bcx`,
	}, ios.ErrOut, logs, &serveBCXOptions{Options: bcx.DefaultOptions()}, runF, "YAML config file: any flag of this command as a top-level key, plus kaa.applications (versions, tenant-id, bcx.tokens.expiration)",
		30*time.Second, "on shutdown, wait this long for uploads in progress")
}

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
