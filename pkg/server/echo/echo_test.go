package echo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/ism"
	"github.com/kaactl/kaactl/pkg/server/echo"
	"github.com/kaactl/kaactl/pkg/server/natsconn"
)

func TestEcho(t *testing.T) {
	ns := testenv.NATS(t)
	o := echo.DefaultOptions()
	o.NATS.URL, o.Instance = ns.ClientURL(), "echo2"
	svc, err := echo.New(o)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Start(t, "echo", svc)
	nc := testenv.Conn(t, ns.ClientURL())
	rid := int32(7)
	data, err := ism.Marshal(&ism.ClientData{CorrelationID: "c-1", Timestamp: ism.NowMillis(), AppVersionName: "demo-v1",
		ResourcePath: "/ping", RequestID: &rid, Payload: []byte("hello")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := nc.Request(ism.ServiceSubject("echo2", ism.ProtoESP, ism.MsgClientData), data, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var ed ism.ExtensionData
	if err := ism.Unmarshal(m.Data, &ed); err != nil {
		t.Fatal(err)
	}
	if ed.CorrelationID != "c-1" || string(ed.Payload) != "hello" || ed.StatusCode != 200 || ed.RequestID == nil || *ed.RequestID != 7 ||
		ed.ExtensionInstanceName == nil || *ed.ExtensionInstanceName != "echo2" {
		t.Errorf("answer %+v", ed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 2 {
		if err := svc.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	}
	if _, err := nc.Request(ism.ServiceSubject("echo2", ism.ProtoESP, ism.MsgClientData), data, 200*time.Millisecond); err == nil {
		t.Error("answered after Shutdown")
	}
}

func TestNewValidates(t *testing.T) {
	_, err := echo.New(echo.Options{Instance: "e.cho"})
	if err == nil || !strings.Contains(err.Error(), `instance "e.cho"`) || !strings.Contains(err.Error(), natsconn.ErrNoURL.Error()) {
		t.Errorf("want every problem, got %v", err)
	}
	svc, err := echo.New(echo.Options{NATS: natsconn.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown of an echo never started: %v", err)
	}
}
