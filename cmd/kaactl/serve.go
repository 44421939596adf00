package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/internal/cliconfig"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/echo"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

func newServeCmd(io ioStreams, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run one service (for deployments with NATS outside)",
		Example: `  kaactl serve kpc --nats nats://nats.example:4222 --config kpc.yaml
  kaactl serve echo --nats nats://nats.example:4222`,
	}
	cmd.AddCommand(newServeKPCCmd(io, g, nil), newServeBCXCmd(io, g, nil), newServeProviderCmd(io, g, nil), newServeEchoCmd(io, g, nil))
	return cmd
}

// serveFlags are the flags of the commands that run services, next to the
// services' own: --config where the command reads one, --drain-timeout.
type serveFlags struct {
	configPath   string
	drainTimeout time.Duration
}

// bind adds --config (when configHelp says what the file holds) and
// --drain-timeout (when drainHelp says what a drain waits for).
func (s *serveFlags) bind(fs *pflag.FlagSet, configHelp string, drain time.Duration, drainHelp string) {
	if configHelp != "" {
		fs.StringVar(&s.configPath, cliconfig.ConfigFlag, "", configHelp)
	}
	s.drainTimeout = drain
	if drainHelp != "" {
		fs.DurationVar(&s.drainTimeout, "drain-timeout", drain, drainHelp)
	}
}

// flags are the command's own flags, for serviceCommand.
func (s *serveFlags) flags() *serveFlags { return s }

// setup is what a service command does first: apply --config to its flags
// (so a file can set --log-level too), then make the logger.
func (s *serveFlags) setup(cmd *cobra.Command, io ioStreams, g *globalOptions) (*slog.Logger, kaaconfig.AppConfig, error) {
	var apps kaaconfig.AppConfig
	if s.configPath != "" {
		var err error
		if apps, err = cliconfig.Load(cmd.Flags(), s.configPath); err != nil {
			if errors.Is(err, cliconfig.ErrSetting) {
				return nil, apps, usageError{err}
			}
			return nil, apps, err
		}
	}
	log, err := g.logger(io.err)
	return log, apps, err
}

// service is what every command that runs services runs.
type service interface {
	Start(context.Context) error
	Shutdown(context.Context) error
}

// runService builds a service (its options are wrong: a usage error),
// starts it, calls started, waits for ctx to end (SIGINT, SIGTERM) and
// drains it within drain.
func runService[S service](ctx context.Context, build func() (S, error), drain time.Duration, started func(S)) error {
	svc, err := build()
	if err != nil {
		return usageError{err}
	}
	if err := svc.Start(ctx); err != nil {
		return err
	}
	if started != nil {
		started(svc)
	}
	<-ctx.Done()
	// The drain gets its own deadline: ctx is done already.
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	return svc.Shutdown(sctx)
}

// serviceOptions are the options of a command that runs one service S:
// the service's own, which bind its flags, and the command's.
type serviceOptions[S service] interface {
	BindFlags(*pflag.FlagSet)
	flags() *serveFlags
	// use gives the service the logger and the config file's applications.
	use(*slog.Logger, kaaconfig.AppConfig)
	// build is the service's New.
	build() (S, error)
}

// serviceCommand completes cmd into a command that runs the service of o:
// its flags, then a RunE that applies --config, makes the logger and runs
// the service until SIGINT/SIGTERM (or runF, for tests).
func serviceCommand[O serviceOptions[S], S service](cmd *cobra.Command, io ioStreams, g *globalOptions, o O, runF func(context.Context, O) error,
	configHelp string, drain time.Duration, drainHelp string) *cobra.Command {
	f := o.flags()
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		log, apps, err := f.setup(cmd, io, g)
		if err != nil {
			return err
		}
		o.use(log, apps)
		if runF != nil {
			return runF(cmd.Context(), o)
		}
		return runService(cmd.Context(), o.build, f.drainTimeout, nil)
	}
	o.BindFlags(cmd.Flags())
	f.bind(cmd.Flags(), configHelp, drain, drainHelp)
	return cmd
}

// serveKPCOptions are the flags of `kaactl serve kpc`.
type serveKPCOptions struct {
	kpc.Options
	serveFlags
}

func (o *serveKPCOptions) use(log *slog.Logger, apps kaaconfig.AppConfig) {
	o.Logger, o.Apps = log, apps
}
func (o *serveKPCOptions) build() (*kpc.Server, error) { return kpc.New(o.Options) }

func newServeKPCCmd(io ioStreams, g *globalOptions, runF func(context.Context, *serveKPCOptions) error) *cobra.Command {
	o := &serveKPCOptions{Options: kpc.DefaultOptions()}
	return serviceCommand(&cobra.Command{
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
	}, io, g, o, runF, "YAML config file: any flag of this command as a top-level key, plus kaa.applications, kaa.extension-instances and kaa.tenants",
		15*time.Second, "on shutdown, wait this long for in-flight requests")
}

// serveEchoOptions are the flags of `kaactl serve echo`.
type serveEchoOptions struct {
	echo.Options
	serveFlags
}

func (o *serveEchoOptions) use(log *slog.Logger, _ kaaconfig.AppConfig) { o.Logger = log }
func (o *serveEchoOptions) build() (*echo.Service, error)               { return echo.New(o.Options) }

func newServeEchoCmd(io ioStreams, g *globalOptions, runF func(context.Context, *serveEchoOptions) error) *cobra.Command {
	return serviceCommand(&cobra.Command{
		Use:   "echo",
		Short: "Run a demo extension that answers every 1/KP request with its own payload",
		Example: `  kaactl serve echo --nats nats://nats.example:4222
  kaactl serve echo --instance echo2`,
	}, io, g, &serveEchoOptions{Options: echo.DefaultOptions()}, runF, "", 5*time.Second, "")
}
