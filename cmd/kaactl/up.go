package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/blobstore/s3"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/bcx"
	"github.com/kaactl/kaactl/pkg/server/echo"
	"github.com/kaactl/kaactl/pkg/server/embednats"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth"
	"github.com/kaactl/kaactl/pkg/server/kpc"
	"github.com/kaactl/kaactl/pkg/server/provider"
)

// Names of the demo set-up `kaactl up` creates on first start.
const (
	upTenant     = kaaconfig.DefaultTenant
	upDemoApp    = "demo"
	upDemoAppVer = "demo-v1"
)

type upOptions struct {
	dataDir      string
	natsAddr     string
	kpc          kpc.Options
	bcxAddr      string
	bcxTokenTTL  time.Duration
	s3           s3.Options
	providerAddr string
	autoRegister bool
	configPath   string
	printConfig  bool
	drainTimeout time.Duration
	// ready, when set, is called once everything listens (tests use it).
	ready func(*upPlatform)
}

// upPlatform is what `kaactl up` runs, for the banner and for tests.
type upPlatform struct {
	DataDir      string
	NATSURL      string
	KPC          *kpc.Server
	BCX          *bcx.Server
	Provider     *provider.Provider
	AdminToken   string
	AdminTokenAt string
	AutoRegister bool
	Blobs        string // "disk" or "s3"
}

func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "kaactl")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "kaactl")
	}
	return "kaactl-data"
}

func newUpCmd(io ioStreams, g *globalOptions) *cobra.Command {
	o := &upOptions{kpc: kpc.DefaultOptions()}
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
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger(io.err)
			if err != nil {
				return err
			}
			o.kpc.Logger = log
			if o.configPath != "" {
				if o.kpc.Apps, err = loadConfigFile(cmd.Flags(), o.configPath); err != nil {
					return err
				}
			}
			if o.printConfig {
				return printConfig(io.out, cmd.Flags(), o.kpc.Apps)
			}
			return runUp(cmd.Context(), io, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", defaultDataDir(), "where endpoints, blobs, keys and the admin token live")
	f.StringVar(&o.natsAddr, "nats-addr", "127.0.0.1:4222", "embedded NATS listen address")
	f.StringVar(&o.kpc.MQTTAddr, "mqtt-addr", o.kpc.MQTTAddr, "MQTT/TCP listen address")
	f.StringVar(&o.kpc.MQTTSAddr, "mqtts-addr", ":8883", `MQTT/TLS listen address ("" disables); self-signed certificate in the data dir`)
	f.StringVar(&o.kpc.WSAddr, "ws-addr", ":8081", `MQTT over WebSocket listen address, path /ws ("" disables)`)
	f.StringVar(&o.kpc.HTTPAddr, "http-addr", o.kpc.HTTPAddr, "1/KP over HTTP listen address")
	f.StringVar(&o.kpc.RESTAddr, "rest-addr", o.kpc.RESTAddr, "KPC management listen address (/health, /metrics)")
	f.StringVar(&o.bcxAddr, "bcx-addr", bcx.DefaultRESTAddr, "BCX listen address: uploads and blob management")
	f.DurationVar(&o.bcxTokenTTL, "bcx-token-ttl", bcx.DefaultTokenTTL, "BCX upload token lifetime (per application: kaa.applications.<app>.bcx.tokens.expiration)")
	f.StringVar(&o.s3.Endpoint, "s3-endpoint", "", "store blobs in S3 at this endpoint instead of the data dir (credentials from the AWS chain)")
	f.StringVar(&o.s3.Bucket, "s3-bucket", "", "store blobs in this S3 bucket instead of the data dir (created if missing)")
	f.StringVar(&o.s3.Region, "s3-region", "us-east-1", "S3 region")
	f.StringVar(&o.s3.Prefix, "s3-prefix", "", "key prefix inside the S3 bucket")
	f.BoolVar(&o.s3.PathStyle, "s3-path-style", false, "path-style S3 addressing (MinIO, versitygw, Ceph)")
	f.StringVar(&o.providerAddr, "provider-addr", provider.DefaultRESTAddr, "credential provider REST API listen address")
	f.BoolVar(&o.autoRegister, "auto-register", false, "accept unknown endpoint tokens in the demo application as new endpoints")
	f.StringVar(&o.configPath, "config", "", "YAML config file: any flag of this command as a top-level key, plus Kaa's kaa.applications")
	f.BoolVar(&o.printConfig, "print-config", false, "print the effective configuration (flags, KAA_* env, config file, defaults) and exit")
	f.DurationVar(&o.kpc.RequestTimeout, "request-timeout", o.kpc.RequestTimeout, "wait for an extension's answer before replying 504")
	f.DurationVar(&o.drainTimeout, "drain-timeout", 15*time.Second, "on shutdown, wait this long for in-flight requests and uploads")
	return cmd
}

// adminToken reads the admin token, creating it (0600) on first start.
func adminToken(dir string) (token, path string, err error) {
	path = filepath.Join(dir, "admin.token")
	if b, err := os.ReadFile(path); err == nil {
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, path, nil
		}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", "", err
	}
	token = hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", "", fmt.Errorf("admin token: %w", err)
	}
	return token, path, nil
}

func runUp(ctx context.Context, io ioStreams, o *upOptions) (err error) {
	log := o.kpc.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
		o.kpc.Logger = log
	}
	if err := os.MkdirAll(o.dataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	p := &upPlatform{DataDir: o.dataDir, AutoRegister: o.autoRegister}
	if p.AdminToken, p.AdminTokenAt, err = adminToken(o.dataDir); err != nil {
		return err
	}
	ns, err := embednats.Start(o.natsAddr)
	if err != nil {
		return err
	}
	defer ns.Shutdown()
	p.NATSURL = ns.ClientURL()
	nc, err := nats.Connect(p.NATSURL, nats.Name("kaactl up"))
	if err != nil {
		return fmt.Errorf("connect embedded nats: %w", err)
	}
	defer nc.Close()

	// Credential provider with the demo tenant and application.
	p.Provider, err = provider.Open(provider.Options{Instance: o.kpc.ECAPProvider, DataDir: filepath.Join(o.dataDir, "provider"),
		RESTAddr: o.providerAddr, AdminToken: p.AdminToken, Logger: log})
	if err != nil {
		return err
	}
	if _, err := p.Provider.CreateApp(ctx, upTenant, upDemoApp, []string{upDemoAppVer}, o.autoRegister); err != nil && !errors.Is(err, provider.ErrExists) {
		_ = p.Provider.Shutdown(ctx)
		return fmt.Errorf("demo application: %w", err)
	}
	if err := p.Provider.Start(ctx, nc); err != nil {
		return err
	}
	ext, err := echo.New(echo.Options{Instance: "echo", Logger: log})
	if err != nil {
		return err
	}
	if err := ext.Start(ctx, nc); err != nil {
		return err
	}

	// BCX: blobs and token key in the data dir, management with the admin token.
	backend := "disk"
	if o.s3.Endpoint != "" || o.s3.Bucket != "" {
		backend = "s3"
		if o.s3.Bucket == "" {
			o.s3.Bucket = "kaa-bcx"
		}
		o.s3.Logger = log
	}
	store, closeStore, err := openStore(ctx, backend, filepath.Join(o.dataDir, "blobs"), o.s3)
	if err != nil {
		return err
	}
	defer closeStore()
	p.Blobs = backend
	key, err := bcx.LoadOrCreateKey(filepath.Join(o.dataDir, "bcx-token.key"), true)
	if err != nil {
		return err
	}
	signer, err := bcx.NewTokenSigner(key)
	if err != nil {
		return err
	}
	bo := bcx.DefaultOptions()
	bo.NATSURL, bo.RESTAddr, bo.Apps, bo.Logger = p.NATSURL, o.bcxAddr, o.kpc.Apps, log
	if o.bcxTokenTTL != 0 {
		bo.TokenTTL = o.bcxTokenTTL
	}
	if p.BCX, err = bcx.New(bo, store, signer, adminAuth{auth.StaticToken{Token: p.AdminToken, Tenant: upTenant}}); err != nil {
		return usageError{err}
	}
	if err := p.BCX.Start(ctx); err != nil {
		return err
	}

	o.kpc.NATSURL = p.NATSURL
	if o.kpc.MQTTSAddr != "" {
		// Generated once, kept in the data dir: devices trust it once.
		o.kpc.TLSCert, o.kpc.TLSKey, o.kpc.TLSGenerate = filepath.Join(o.dataDir, "kpc-tls.crt"), filepath.Join(o.dataDir, "kpc-tls.key"), true
	}
	if p.KPC, err = kpc.New(o.kpc); err != nil {
		return usageError{err}
	}
	if err := p.KPC.Start(ctx); err != nil {
		return err
	}
	if err := printBanner(io, p); err != nil {
		log.Warn("banner", "error", err)
	}
	if o.ready != nil {
		o.ready(p)
	}
	<-ctx.Done()
	log.Info("shutting down")
	// KPC first (no new requests), then the services behind it.
	return shutdown(o.drainTimeout, p.KPC.Shutdown, p.BCX.Shutdown, ext.Shutdown, p.Provider.Shutdown,
		func(ctx context.Context) error { return nc.FlushWithContext(ctx) })
}

// adminAuth makes the admin token BCX's management authenticator.
type adminAuth struct{ auth.StaticToken }

func (a adminAuth) Tenant(ctx context.Context) (string, bool) {
	p, ok := auth.FromContext(ctx)
	return p.Tenant, ok
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

func printBanner(io ioStreams, p *upPlatform) error {
	mqttHost, mqttPort, _ := net.SplitHostPort(p.KPC.MQTTAddr())
	return bannerTmpl.Execute(io.out, map[string]any{
		"NATSURL":      p.NATSURL,
		"MQTT":         p.KPC.MQTTAddr(),
		"MQTTS":        p.KPC.MQTTSAddr(),
		"WS":           localAddr(p.KPC.WSAddr()),
		"MQTTHost":     localHost(mqttHost),
		"MQTTPort":     mqttPort,
		"HTTP":         localAddr(p.KPC.HTTPAddr()),
		"REST":         localAddr(p.KPC.RESTAddr()),
		"BCX":          localAddr(p.BCX.RESTAddr()),
		"Provider":     localAddr(p.Provider.RESTAddr()),
		"DataDir":      p.DataDir,
		"AdminTokenAt": p.AdminTokenAt,
		"AutoRegister": p.AutoRegister,
		"Blobs":        p.Blobs,
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

// kpcDefaults are KPC's defaults, for tests that build upOptions by hand.
func kpcDefaults() kpc.Options { return kpc.DefaultOptions() }
