package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
)

func TestServeKPCTLSFlags(t *testing.T) {
	t.Setenv("KAA_WS_ADDR", ":9001")
	dir := t.TempDir()
	var got *serveKPCOptions
	cmd := newServeKPCCmd(output.New(nil, io.Discard, io.Discard), &cli.LogFlags{Level: "info", Format: "text"},
		func(_ context.Context, o *serveKPCOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--mqtts-addr", ":8883", "--tls-cert", filepath.Join(dir, "c.crt"), "--tls-key", filepath.Join(dir, "c.key"),
		"--tls-generate", "--tls-hosts", "kpc.example,10.0.0.5"})
	cmd.PersistentPreRunE = newRootCmd(output.New(nil, nil, nil)).PersistentPreRunE
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.MQTTSAddr != ":8883" || got.WSAddr != ":9001" || !got.TLSGenerate || got.TLSCert != filepath.Join(dir, "c.crt") ||
		got.TLSKey != filepath.Join(dir, "c.key") || strings.Join(got.TLSHosts, ",") != "kpc.example,10.0.0.5" {
		t.Errorf("options %+v", got.Options)
	}
}

func TestServeKPCMQTTSWithoutCertIsUsageError(t *testing.T) {
	args := []string{"serve", "kpc", "--mqtts-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--http-addr", "", "--rest-addr", ""}
	if got := run(args); got != 2 {
		t.Errorf("kaactl %s: exit %d, want 2", strings.Join(args, " "), got)
	}
}
