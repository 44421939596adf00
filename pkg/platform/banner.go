package platform

import (
	"io"
	"net"
	"text/template"
)

var bannerTmpl = template.Must(template.New("banner").Parse(`kaactl is up.
  MQTT          {{.MQTT}}{{if .MQTTS}}   MQTT/TLS {{.MQTTS}}{{end}}{{if .WS}}   WebSocket ws://{{.WS}}/ws{{end}}{{if .WSS}}   wss://{{.WSS}}/ws{{end}}
  KP over HTTP  http://{{.HTTP}}
  BCX           http://{{.BCX}}      (blob uploads and management)
{{- if .HTTPS}}
  HTTPS         https://{{.HTTPS}}   (Kaa's cloud layout: /kpc/kp1/..., /kpc/ws, /bcx/api/v1/...; certificate {{.CertFile}})
{{- end}}
  Provider API  http://{{.Provider}}      (endpoints and credentials)
  NATS          nats://{{.NATSAddr}}   (token in {{.NATSTokenAt}}; attach with nats --server "nats://$(cat {{.NATSTokenAt}})@{{.NATSAddr}}")
  Health        http://{{.REST}}/health  /metrics{{if .MQTTS}}   TLS certificate: http://{{.REST}}/api/v1/cert{{end}}   sessions: /api/v1/sessions (admin token)
  Data          {{.DataDir}}   (blobs: {{.Blobs}})
  Admin token   {{.AdminTokenAt}}  (bearer token for the BCX and provider APIs)
  Demo          tenant kaa, application demo, version demo-v1; extensions echo and bcx{{if .AutoRegister}}; any endpoint token is accepted{{end}}

Try it (in another terminal):
  ADMIN=$(cat {{.AdminTokenAt}})
{{- if .AutoRegister}}
  TOKEN=my-token
{{- else}}
  TOKEN=$(curl -fsS -X POST -H "Authorization: Bearer $ADMIN" -d '{}' http://{{.Provider}}/api/v1/tenants/kaa/applications/demo/endpoints | jq -r .token)
{{- end}}
  mosquitto_rr -h {{.MQTTHost}} -p {{.MQTTPort}} -t "kp1/demo-v1/echo/$TOKEN/ping/1" -e "kp1/demo-v1/echo/$TOKEN/ping/1/status" -m hello
  curl -sS -X POST --data hello http://{{.HTTP}}/kp1/demo-v1/echo/$TOKEN/ping
  UPLOAD=$(curl -fsS -X POST http://{{.HTTP}}/kp1/demo-v1/bcx/$TOKEN/token | jq -r .token)
  curl -sS -X POST -H "X-Auth-Token: $UPLOAD" -H 'Content-Type: application/octet-stream' --data-binary @/etc/hostname "http://{{.BCX}}/api/v1/binary-data?name=hostname"
  kaactl blobs ls --app demo --data-dir {{.DataDir}} --bcx-url http://{{.BCX}}
{{- if .HTTPS}}

Kaa's cloud URLs, only the host changed (devices trust {{.CertFile}}):
  UPLOAD=$(curl -sS --cacert {{.CertFile}} -X POST https://{{.HTTPS}}/kpc/kp1/demo-v1/bcx/$TOKEN/token | sed 's/.*"token":"\([^"]*\)".*/\1/')
  curl -sS --cacert {{.CertFile}} -X POST -H "X-Auth-Token: $UPLOAD" -H 'Content-Type: application/octet-stream' --data-binary @/etc/hostname "https://{{.HTTPS}}/bcx/api/v1/binary-data?name=hostname"
{{- end}}

A simulated fleet (see kaactl sim --help for uploads, churn, TLS, HTTP):
  kaactl sim --endpoints 500 --duration 10s --cleanup --url tcp://{{.MQTTHost}}:{{.MQTTPort}} --bcx-url http://{{.BCX}} --provider-url http://{{.Provider}} --data-dir {{.DataDir}}

Press Ctrl-C to stop.
`))

// WriteBanner writes what a person needs once the platform runs: every
// address, where the data and the admin token are, and commands to try it.
func (p *Platform) WriteBanner(w io.Writer) error {
	mqttHost, mqttPort, _ := net.SplitHostPort(p.KPC().MQTTAddr())
	return bannerTmpl.Execute(w, map[string]any{
		"NATSAddr":     p.NATSAddr(),
		"NATSTokenAt":  p.NATSTokenPath(),
		"MQTT":         p.KPC().MQTTAddr(),
		"MQTTS":        p.KPC().MQTTSAddr(),
		"WS":           localAddr(p.KPC().WSAddr()),
		"WSS":          localAddr(p.KPC().WSSAddr()),
		"MQTTHost":     localHost(mqttHost),
		"MQTTPort":     mqttPort,
		"HTTP":         localAddr(p.KPC().HTTPAddr()),
		"REST":         localAddr(p.KPC().RESTAddr()),
		"BCX":          localAddr(p.BCX().RESTAddr()),
		"HTTPS":        localAddr(p.HTTPSAddr()),
		"CertFile":     p.CertFile(),
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
