package flagset

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestCopy(t *testing.T) {
	var addr, ttl string
	src := Scratch()
	src.StringVar(&addr, "rest-addr", ":8090", "REST listen address")
	src.StringVar(&ttl, "token-ttl", "1h", "token lifetime")
	dst := pflag.NewFlagSet("up", pflag.ContinueOnError)
	Copy(dst, src, Reuse{Name: "rest-addr", As: "bcx-addr", Usage: "BCX listen address"}, Reuse{Name: "token-ttl"})

	f := dst.Lookup("bcx-addr")
	if f == nil || f.Usage != "BCX listen address" || f.DefValue != ":8090" {
		t.Fatalf("renamed flag %+v", f)
	}
	if dst.Lookup("rest-addr") != nil {
		t.Error("the source name is in the destination too")
	}
	if g := dst.Lookup("token-ttl"); g == nil || g.Usage != "token lifetime" {
		t.Errorf("copied flag %+v", g)
	}
	if err := dst.Parse([]string{"--bcx-addr", ":1", "--token-ttl", "2h"}); err != nil {
		t.Fatal(err)
	}
	if addr != ":1" || ttl != "2h" {
		t.Errorf("fields %q %q: a copy writes the source's field", addr, ttl)
	}
	if src.Lookup("rest-addr").Changed {
		t.Error("setting the copy marks the source changed")
	}
	defer func() {
		if recover() == nil {
			t.Error("copying a missing flag did not panic")
		}
	}()
	Copy(dst, src, Reuse{Name: "nope"})
}

func TestEnv(t *testing.T) {
	if got := EnvName("mqtt-addr"); got != "KAA_MQTT_ADDR" {
		t.Errorf("EnvName = %q", got)
	}
	var addr, nats string
	var n int
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.StringVar(&addr, "mqtt-addr", ":1883", "")
	fs.StringVar(&nats, "nats", "default", "")
	fs.IntVar(&n, "max-payload", 1, "")
	t.Setenv("KAA_MQTT_ADDR", ":1999")
	t.Setenv("KAA_NATS", "nats://env")
	if err := fs.Parse([]string{"--nats", "nats://flag"}); err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(fs); err != nil {
		t.Fatal(err)
	}
	if addr != ":1999" || nats != "nats://flag" {
		t.Errorf("mqtt-addr %q (env), nats %q (flag wins)", addr, nats)
	}
	t.Setenv("KAA_MAX_PAYLOAD", "lots")
	if err := ApplyEnv(fs); err == nil || !strings.Contains(err.Error(), `KAA_MAX_PAYLOAD="lots"`) {
		t.Errorf("bad env value: %v", err)
	}
}
