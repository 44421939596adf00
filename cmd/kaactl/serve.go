package main

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/server/echo"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

func newServeCmd(io ioStreams, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run one service (for deployments with NATS outside)",
	}
	cmd.AddCommand(newServeKPCCmd(io, g, nil), newServeBCXCmd(io, g, nil), newServeProviderCmd(io, g, nil), newServeEchoCmd(io, g, nil))
	return cmd
}

// serveKPCOptions are the flags of `kaactl serve kpc`.
type serveKPCOptions struct {
	kpc.Options
	configPath   string
	drainTimeout time.Duration
}

func newServeKPCCmd(io ioStreams, g *globalOptions, runF func(context.Context, *serveKPCOptions) error) *cobra.Command {
	o := &serveKPCOptions{Options: kpc.DefaultOptions()}
	cmd := &cobra.Command{
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
path /ws) run next to MQTT/TCP; devices fetch the certificate to trust from
GET /api/v1/cert.

Management: GET /health (503 while NATS is down or draining), GET /metrics
(Prometheus), GET /api/v1/cert, GET /api/v1/sessions on --rest-addr.
SIGINT/SIGTERM drain.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger(io.err)
			if err != nil {
				return err
			}
			o.Logger = log
			if o.configPath != "" {
				if o.Apps, err = loadConfigFile(cmd.Flags(), o.configPath); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runServeKPC(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.NATSURL, "nats", o.NATSURL, "NATS server URL(s), comma-separated")
	f.StringVar(&o.Instance, "instance", o.Instance, "KPC service instance name")
	f.StringVar(&o.ReplicaID, "replica-id", "", "replica ID on kaa.v1.replica.<id> subjects (default random)")
	f.StringVar(&o.MQTTAddr, "mqtt-addr", o.MQTTAddr, `MQTT/TCP listen address ("" disables)`)
	f.StringVar(&o.MQTTSAddr, "mqtts-addr", o.MQTTSAddr, `MQTT/TLS listen address, e.g. :8883 ("" disables; needs --tls-cert/--tls-key or --tls-generate)`)
	f.StringVar(&o.WSAddr, "ws-addr", o.WSAddr, `MQTT over WebSocket listen address, served on path /ws ("" disables)`)
	f.StringVar(&o.TLSCert, "tls-cert", o.TLSCert, "MQTT/TLS server certificate PEM file (default "+kpc.DefaultTLSCert+" with --tls-generate)")
	f.StringVar(&o.TLSKey, "tls-key", o.TLSKey, "MQTT/TLS server key PEM file (default "+kpc.DefaultTLSKey+" with --tls-generate)")
	f.BoolVar(&o.TLSGenerate, "tls-generate", o.TLSGenerate, "generate a self-signed certificate and key at --tls-cert/--tls-key if they do not exist")
	f.StringSliceVar(&o.TLSHosts, "tls-hosts", o.TLSHosts, "host names and IPs of a generated certificate (default localhost,127.0.0.1,::1)")
	f.StringVar(&o.HTTPAddr, "http-addr", o.HTTPAddr, `1/KP over HTTP listen address ("" disables)`)
	f.StringVar(&o.RESTAddr, "rest-addr", o.RESTAddr, `management listen address: /health, /metrics ("" disables)`)
	f.StringVar(&o.ECAPProvider, "ecap-provider", o.ECAPProvider, "service instance answering ECAP ep-token-request (Kaa's CM)")
	f.StringVar(&o.configPath, "config", "", "YAML config file: any flag of this command as a top-level key, plus kaa.applications and kaa.extension-instances")
	f.DurationVar(&o.RequestTimeout, "request-timeout", o.RequestTimeout, "wait for an extension's answer before replying 504")
	f.IntVar(&o.MaxPayload, "max-payload", o.MaxPayload, "largest request payload in bytes (MQTT and HTTP)")
	f.DurationVar(&o.drainTimeout, "drain-timeout", 15*time.Second, "on shutdown, wait this long for in-flight requests")
	return cmd
}

func runServeKPC(ctx context.Context, o *serveKPCOptions) error {
	srv, err := kpc.New(o.Options)
	if err != nil {
		return usageError{err}
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	return shutdown(o.drainTimeout, srv.Shutdown)
}

// shutdown gives a drain its own deadline, since ctx is already done.
func shutdown(timeout time.Duration, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var first error
	for _, fn := range fns {
		if err := fn(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

type serveEchoOptions struct {
	natsURL  string
	instance string
}

func newServeEchoCmd(io ioStreams, g *globalOptions, runF func(context.Context, *serveEchoOptions) error) *cobra.Command {
	o := &serveEchoOptions{}
	cmd := &cobra.Command{
		Use:   "echo",
		Short: "Run a demo extension that answers every 1/KP request with its own payload",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger(io.err)
			if err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			svc, err := echo.New(echo.Options{Instance: o.instance, Logger: log})
			if err != nil {
				return usageError{err}
			}
			nc, err := nats.Connect(o.natsURL, nats.Name("kaactl echo"), nats.MaxReconnects(-1))
			if err != nil {
				return fmt.Errorf("connect nats %s: %w", o.natsURL, err)
			}
			defer nc.Close()
			if err := svc.Start(cmd.Context(), nc); err != nil {
				return err
			}
			log.Info("echo extension started", "instance", o.instance, "nats", o.natsURL)
			<-cmd.Context().Done()
			return shutdown(5*time.Second, svc.Shutdown, func(ctx context.Context) error { return nc.FlushWithContext(ctx) })
		},
	}
	cmd.Flags().StringVar(&o.natsURL, "nats", kpc.DefaultNATSURL, "NATS server URL")
	cmd.Flags().StringVar(&o.instance, "instance", "echo", "extension instance name")
	return cmd
}
