package main

import (
	"context"
	"fmt"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"net"
	"text/template"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/server/echo"
	"github.com/kaactl/kaactl/pkg/server/embednats"
	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/server/tokenprovider"
)

type upOptions struct {
	natsAddr     string
	kpc          kpc.Options
	configPath   string
	drainTimeout time.Duration
	// ready, when set, is called once everything listens (tests use it).
	ready func(*upPlatform)
}

// upPlatform is what `kaactl up` runs, for the banner and for tests.
type upPlatform struct {
	NATSURL string
	KPC     *kpc.Server
}

func newUpCmd(io ioStreams, g *globalOptions) *cobra.Command {
	o := &upOptions{kpc: kpc.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run the platform on this machine: embedded NATS, KPC, a demo echo extension and a token provider",
		Long: `Run everything on one machine in one command, for laptops and CI jobs:
an embedded NATS server (other tools and extensions can attach to it), a KPC
replica, the "echo" demo extension and an endpoint token provider that accepts
any token as a new endpoint (auto-registration).

This is the early form of ` + "`kaactl up`" + `: BCX, the durable credential
provider and TLS listeners join it as they are built.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger(io.err)
			if err != nil {
				return err
			}
			o.kpc.Logger = log
			if o.configPath != "" {
				if o.kpc.Apps, err = kaaconfig.Load(o.configPath); err != nil {
					return err
				}
			}
			return runUp(cmd.Context(), io, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.natsAddr, "nats-addr", "127.0.0.1:4222", "embedded NATS listen address")
	f.StringVar(&o.kpc.MQTTAddr, "mqtt-addr", o.kpc.MQTTAddr, "MQTT/TCP listen address")
	f.StringVar(&o.kpc.HTTPAddr, "http-addr", o.kpc.HTTPAddr, "1/KP over HTTP listen address")
	f.StringVar(&o.kpc.RESTAddr, "rest-addr", o.kpc.RESTAddr, "KPC management listen address (/health, /metrics)")
	f.StringVar(&o.configPath, "config", "", "YAML file with kaa.applications and kaa.extension-instances")
	f.DurationVar(&o.kpc.RequestTimeout, "request-timeout", o.kpc.RequestTimeout, "wait for an extension's answer before replying 504")
	f.DurationVar(&o.drainTimeout, "drain-timeout", 15*time.Second, "on shutdown, wait this long for in-flight requests")
	return cmd
}

func runUp(ctx context.Context, io ioStreams, o *upOptions) error {
	log := o.kpc.Logger
	ns, err := embednats.Start(o.natsAddr)
	if err != nil {
		return err
	}
	defer ns.Shutdown()
	natsURL := ns.ClientURL()

	nc, err := nats.Connect(natsURL, nats.Name("kaactl up"))
	if err != nil {
		return fmt.Errorf("connect embedded nats: %w", err)
	}
	defer nc.Close()
	ext, err := echo.New(echo.Options{Instance: "echo", Logger: log})
	if err != nil {
		return err
	}
	prov, err := tokenprovider.New(tokenprovider.Options{Instance: o.kpc.ECAPProvider, AutoRegister: true, Logger: log})
	if err != nil {
		return err
	}
	if err := ext.Start(ctx, nc); err != nil {
		return err
	}
	if err := prov.Start(ctx, nc); err != nil {
		return err
	}

	o.kpc.NATSURL = natsURL
	srv, err := kpc.New(o.kpc)
	if err != nil {
		return usageError{err}
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	p := &upPlatform{NATSURL: natsURL, KPC: srv}
	if err := printBanner(io, p); err != nil {
		log.Warn("banner", "error", err)
	}
	if o.ready != nil {
		o.ready(p)
	}
	<-ctx.Done()
	log.Info("shutting down")
	return shutdown(o.drainTimeout, srv.Shutdown, ext.Shutdown, prov.Shutdown,
		func(ctx context.Context) error { return nc.FlushWithContext(ctx) })
}

var bannerTmpl = template.Must(template.New("banner").Parse(`kaactl is up.
  NATS        {{.NATSURL}}
  MQTT        {{.MQTT}}
  KP over HTTP http://{{.HTTP}}
  Management  http://{{.REST}}/health  /metrics
  Extensions  echo (answers with the request payload); any endpoint token is accepted

Try it (in another terminal):
  mosquitto_sub -h {{.MQTTHost}} -p {{.MQTTPort}} -t 'kp1/demo-v1/echo/my-token/ping/1/#' -v &
  mosquitto_pub -h {{.MQTTHost}} -p {{.MQTTPort}} -t kp1/demo-v1/echo/my-token/ping/1 -m hello
  curl -sS -X POST --data hello http://{{.HTTP}}/kp1/demo-v1/echo/my-token/ping

Press Ctrl-C to stop.
`))

func printBanner(io ioStreams, p *upPlatform) error {
	mqttHost, mqttPort, _ := net.SplitHostPort(p.KPC.MQTTAddr())
	return bannerTmpl.Execute(io.out, map[string]string{
		"NATSURL":  p.NATSURL,
		"MQTT":     p.KPC.MQTTAddr(),
		"MQTTHost": localHost(mqttHost),
		"MQTTPort": mqttPort,
		"HTTP":     localAddr(p.KPC.HTTPAddr()),
		"REST":     localAddr(p.KPC.RESTAddr()),
	})
}

// localHost turns a wildcard listen host into one a local client can dial.
func localHost(h string) string {
	if h == "" || h == "::" || h == "0.0.0.0" {
		return "localhost"
	}
	return h
}

func localAddr(addr string) string {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return net.JoinHostPort(localHost(h), p)
}
