package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/server/provider"
)

type serveProviderOptions struct {
	provider.Options
	natsURL        string
	adminTokenFile string
	drainTimeout   time.Duration
}

func newServeProviderCmd(io ioStreams, g *globalOptions, runF func(context.Context, *serveProviderOptions) error) *cobra.Command {
	o := &serveProviderOptions{Options: provider.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "provider",
		Short: "Run the credential provider: endpoint tokens (16/ECAP, as Kaa's cm) and client credentials (22/CAP, as ccm)",
		Long: `Run the built-in credential provider with a durable store in --data-dir.

It answers ep-token-request on kaa.v1.service.<instance>.ecap (endpoint tokens:
Inactive → Active on first use → Suspended / Revoked) and basic-request /
certificate-request on kaa.v1.service.<cap-instance>.cap, and publishes the
revocation events KPC listens to. Its REST API (bearer admin token) manages
applications, endpoints and credentials; the kaactl apps / endpoints /
credentials commands use it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger(io.err)
			if err != nil {
				return err
			}
			o.Logger = log
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runServeProvider(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.natsURL, "nats", "nats://127.0.0.1:4222", "NATS server URL(s), comma-separated")
	f.StringVar(&o.Instance, "instance", o.Instance, "16/ECAP provider instance name (KPC's --ecap-provider)")
	f.StringVar(&o.CAPInstance, "cap-instance", o.CAPInstance, "22/CAP provider instance name")
	f.StringVar(&o.DataDir, "data-dir", "provider-data", "directory of the provider database")
	f.StringVar(&o.RESTAddr, "rest-addr", o.RESTAddr, `REST API listen address ("" disables)`)
	f.StringVar(&o.adminTokenFile, "admin-token-file", "", "file holding the REST API's bearer token (required with --rest-addr)")
	f.DurationVar(&o.drainTimeout, "drain-timeout", 15*time.Second, "on shutdown, wait this long for requests in progress")
	return cmd
}

func runServeProvider(ctx context.Context, o *serveProviderOptions) error {
	if o.RESTAddr != "" {
		if o.adminTokenFile == "" {
			return usageError{errors.New("--admin-token-file is required when --rest-addr is set")}
		}
		b, err := os.ReadFile(o.adminTokenFile)
		if err != nil {
			return fmt.Errorf("admin token: %w", err)
		}
		o.AdminToken = strings.TrimSpace(string(b))
	}
	p, err := provider.Open(o.Options)
	if err != nil {
		return err
	}
	nc, err := nats.Connect(o.natsURL, nats.Name("kaactl provider"), nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1))
	if err != nil {
		_ = p.Shutdown(ctx)
		return fmt.Errorf("connect nats %s: %w", o.natsURL, err)
	}
	defer nc.Close()
	if err := p.Start(ctx, nc); err != nil {
		_ = p.Shutdown(ctx)
		return err
	}
	o.Logger.Info("provider started", "instance", o.Instance, "cap_instance", o.CAPInstance, "rest", p.RESTAddr(), "nats", o.natsURL)
	<-ctx.Done()
	return shutdown(o.drainTimeout, p.Shutdown, func(ctx context.Context) error { return nc.FlushWithContext(ctx) })
}
