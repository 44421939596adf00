// Command kv is a complete Kaa extension in one file: it keeps one value per
// endpoint and answers 1/KP requests for it over NATS (4/ESP).
//
// Devices reach it like any extension, through KPC:
//
//	kp1/<appVersion>/kv/<endpointToken>/set/1   payload: the value   → /status: "stored"
//	kp1/<appVersion>/kv/<endpointToken>/get/2                        → /status: the value
//
// Run it next to `kaactl up` with: go run . -nats nats://127.0.0.1:4222
package main

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/ism"
)

// Extension answers ClientData on kaa.v1.service.<Instance>.esp.ClientData.
type Extension struct {
	Instance string
	Log      *slog.Logger

	mu     sync.Mutex
	values map[string][]byte // endpointId -> value
}

// Serve subscribes until ctx ends. The queue group (the instance name, as
// 3/ISM recommends) spreads requests over every replica of the extension.
func (x *Extension) Serve(ctx context.Context, nc *nats.Conn) error {
	x.values = map[string][]byte{}
	subject := ism.ServiceSubject(x.Instance, ism.ProtoESP, ism.MsgClientData)
	sub, err := nc.QueueSubscribe(subject, x.Instance, func(m *nats.Msg) { x.handle(nc, m) })
	if err != nil {
		return err
	}
	<-ctx.Done()
	return sub.Drain() // answer what has arrived, then stop
}

func (x *Extension) handle(nc *nats.Conn, m *nats.Msg) {
	var req ism.ClientData
	if err := ism.Unmarshal(m.Data, &req); err != nil {
		x.Log.Warn("bad ClientData", "error", err)
		return
	}
	status, payload := x.answer(req)
	// Echo the request's addressing so KPC can route the answer; an error
	// status makes KPC reply on /error with {"statusCode","reasonPhrase"}.
	reason := http.StatusText(status)
	data, err := ism.Marshal(&ism.ExtensionData{
		CorrelationID:         req.CorrelationID,
		Timestamp:             ism.NowMillis(),
		Timeout:               req.Timeout,
		AppVersionName:        &req.AppVersionName,
		ExtensionInstanceName: &x.Instance,
		EndpointID:            req.EndpointID,
		ResourcePath:          req.ResourcePath,
		RequestID:             req.RequestID,
		Payload:               payload,
		StatusCode:            int32(status),
		ReasonPhrase:          &reason,
	})
	if err == nil && m.Reply != "" {
		err = nc.Publish(m.Reply, data) // the requesting KPC replica
	}
	if err != nil {
		x.Log.Warn("reply not sent", "error", err)
	}
}

// answer is the extension's own logic.
func (x *Extension) answer(req ism.ClientData) (int, []byte) {
	if req.EndpointID == nil {
		return http.StatusBadRequest, nil // kv is endpoint-aware: the topic needs a token
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	switch req.ResourcePath {
	case "/set":
		x.values[*req.EndpointID] = append([]byte(nil), req.Payload...)
		return http.StatusOK, []byte("stored")
	case "/get":
		v, ok := x.values[*req.EndpointID]
		if !ok {
			return http.StatusNotFound, nil
		}
		return http.StatusOK, v
	}
	return http.StatusNotFound, nil
}

func main() {
	natsURL := flag.String("nats", nats.DefaultURL, "NATS server URL")
	instance := flag.String("instance", "kv", "extension instance name (the topic level after the app version)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	nc, err := nats.Connect(*natsURL, nats.Name("kv extension"), nats.MaxReconnects(-1))
	if err != nil {
		log.Error("connect nats", "error", err)
		os.Exit(1)
	}
	defer nc.Close()
	log.Info("kv extension serving", "instance", *instance, "nats", *natsURL)
	if err := (&Extension{Instance: *instance, Log: log}).Serve(ctx, nc); err != nil {
		log.Error("serve", "error", err)
		os.Exit(1)
	}
}
