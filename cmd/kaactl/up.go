package main

import (
	"context"
	"net"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cliconfig"
	"github.com/kaactl/kaactl/pkg/platform"
)

// upOptions are the flags of `kaactl up`.
type upOptions struct {
	platform.Options
	serveFlags
	printConfig bool
	// ready, when set, is called once everything listens (tests use it).
	ready func(*platform.Platform)
}

func newUpCmd(io ioStreams, g *globalOptions) *cobra.Command {
	o := &upOptions{Options: platform.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run the platform on this machine: NATS, KPC, BCX, a credential provider and a demo extension",
		Long: `Run everything on one machine in one command, for laptops and CI jobs:
an embedded NATS server (other tools and extensions can attach to it), a KPC
replica (MQTT, KP over HTTP), BCX with blobs on disk, the credential provider
(endpoint tokens, in the data dir) answering as Kaa's "cm" and "ccm", and the
"echo" demo extension.

On first start it creates tenant "kaa" with application "demo" (version
"demo-v1") and an admin token for the management APIs (<data-dir>/admin.token,
mode 0600). With --auto-register any endpoint token is accepted in the demo
application. Ctrl-C drains and exits; a restart keeps endpoints and blobs.`,
		Example: `  kaactl up
  kaactl up --data-dir /tmp/kaa --auto-register
  kaactl up --s3-endpoint http://127.0.0.1:7070 --s3-path-style --s3-bucket kaa-bcx
  kaactl up --config kaactl.yaml --print-config`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if o.Logger, o.KPC.Apps, err = o.setup(cmd, io, g); err != nil {
				return err
			}
			if o.printConfig {
				return cliconfig.Print(io.out, cmd.Flags(), o.KPC.Apps)
			}
			return runUp(cmd.Context(), io, o)
		},
	}
	f := cmd.Flags()
	o.BindFlags(f)
	o.bind(f, "YAML config file: any flag of this command as a top-level key, plus Kaa's kaa.applications",
		15*time.Second, "on shutdown, wait this long for in-flight requests and uploads")
	f.BoolVar(&o.printConfig, cliconfig.PrintConfigFlag, false, "print the effective configuration (flags, KAA_* env, config file, defaults) and exit")
	return cmd
}

func runUp(ctx context.Context, io ioStreams, o *upOptions) error {
	return runService(ctx, func() (*platform.Platform, error) { return platform.New(o.Options) }, o.drainTimeout, func(p *platform.Platform) {
		if err := printBanner(io, p); err != nil && o.Logger != nil {
			o.Logger.Warn("banner", "error", err)
		}
		if o.ready != nil {
			o.ready(p)
		}
	})
}

var bannerTmpl = template.Must(template.New("banner").Parse(`kaactl is up.
  MQTT          {{.MQTT}}{{if .MQTTS}}   MQTT/TLS {{.MQTTS}}{{end}}{{if .WS}}   WebSocket ws://{{.WS}}/ws{{end}}
  KP over HTTP  http://{{.HTTP}}
  BCX           http://{{.BCX}}      (blob uploads and management)
  Provider API  http://{{.Provider}}      (endpoints and credentials)
  NATS          {{.NATSURL}}
  Health        http://{{.REST}}/health  /metrics{{if .MQTTS}}   TLS certificate: http://{{.REST}}/api/v1/cert{{end}}
  Data          {{.DataDir}}   (blobs: {{.Blobs}})
  Admin token   {{.AdminTokenAt}}  (bearer token for the BCX and provider APIs)
  Demo          tenant kaa, application demo, version demo-v1; extensions echo and bcx{{if .AutoRegister}}; any endpoint token is accepted{{end}}

Try it (in another terminal):
  ADMIN=$(cat {{.AdminTokenAt}})
{{- if .AutoRegister}}
  TOKEN=my-token
{{- else}}
  TOKEN=$(curl -sS -X POST -H "Authorization: Bearer $ADMIN" -d '{}' http://{{.Provider}}/api/v1/tenants/kaa/applications/demo/endpoints | sed 's/.*"token":"\([^"]*\)".*/\1/')
{{- end}}
  mosquitto_rr -h {{.MQTTHost}} -p {{.MQTTPort}} -t "kp1/demo-v1/echo/$TOKEN/ping/1" -e "kp1/demo-v1/echo/$TOKEN/ping/1/status" -m hello
  curl -sS -X POST --data hello http://{{.HTTP}}/kp1/demo-v1/echo/$TOKEN/ping
  UPLOAD=$(curl -sS -X POST http://{{.HTTP}}/kp1/demo-v1/bcx/$TOKEN/token | sed 's/.*"token":"\([^"]*\)".*/\1/')
  curl -sS -X POST -H "X-Auth-Token: $UPLOAD" -H 'Content-Type: application/octet-stream' --data-binary @/etc/hostname "http://{{.BCX}}/api/v1/binary-data?name=hostname"
  kaactl blobs ls --app demo --data-dir {{.DataDir}} --bcx-url http://{{.BCX}}

A simulated fleet (see kaactl sim --help for uploads, churn, TLS, HTTP):
  kaactl sim --endpoints 500 --duration 10s --url tcp://{{.MQTTHost}}:{{.MQTTPort}} --bcx-url http://{{.BCX}} --provider-url http://{{.Provider}} --data-dir {{.DataDir}}

Press Ctrl-C to stop.
`))

func printBanner(io ioStreams, p *platform.Platform) error {
	mqttHost, mqttPort, _ := net.SplitHostPort(p.KPC().MQTTAddr())
	return bannerTmpl.Execute(io.out, map[string]any{
		"NATSURL":      p.NATSURL(),
		"MQTT":         p.KPC().MQTTAddr(),
		"MQTTS":        p.KPC().MQTTSAddr(),
		"WS":           localAddr(p.KPC().WSAddr()),
		"MQTTHost":     localHost(mqttHost),
		"MQTTPort":     mqttPort,
		"HTTP":         localAddr(p.KPC().HTTPAddr()),
		"REST":         localAddr(p.KPC().RESTAddr()),
		"BCX":          localAddr(p.BCX().RESTAddr()),
		"Provider":     localAddr(p.Provider().RESTAddr()),
		"DataDir":      p.DataDir(),
		"AdminTokenAt": p.AdminTokenPath(),
		"AutoRegister": p.AutoRegister(),
		"Blobs":        p.Blobs(),
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
