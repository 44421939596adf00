package backend_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/blobstore/backend"
	"github.com/kaactl/kaactl/pkg/blobstore/disk"
	"github.com/kaactl/kaactl/pkg/blobstore/ram"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		backend string
		is      func(blobstore.Store) bool
	}{
		{backend.RAM, func(s blobstore.Store) bool { _, ok := s.(*ram.Store); return ok }},
		{backend.Disk, func(s blobstore.Store) bool { d, ok := s.(*disk.Store); return ok && d.Dir() == dir }},
	}
	for _, tt := range tests {
		st, closeStore, err := backend.Open(context.Background(), backend.Options{Backend: tt.backend, DiskDir: dir}, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.backend, err)
		}
		if !tt.is(st) {
			t.Errorf("%s: opened a %T", tt.backend, st)
		}
		if err := closeStore(); err != nil {
			t.Errorf("%s: close: %v", tt.backend, err)
		}
	}
}

func TestUnknownBackend(t *testing.T) {
	o := backend.Options{Backend: "tape"}
	if err := o.Validate(); !errors.Is(err, backend.ErrUnknown) || !strings.Contains(err.Error(), `"tape"`) {
		t.Errorf("Validate: %v", err)
	}
	if _, _, err := backend.Open(context.Background(), o, nil); !errors.Is(err, backend.ErrUnknown) {
		t.Errorf("Open: %v", err)
	}
}

func TestBindFlags(t *testing.T) {
	o := backend.DefaultOptions()
	fs := pflag.NewFlagSet("bcx", pflag.ContinueOnError)
	o.BindFlags(fs)
	for name, def := range map[string]string{"backend": "s3", "disk-dir": "bcx-data", "s3-bucket": "kaa-bcx", "s3-region": "us-east-1", "s3-endpoint": "", "s3-prefix": "", "s3-path-style": "false"} {
		if f := fs.Lookup(name); f == nil || f.DefValue != def {
			t.Errorf("--%s: %+v, want default %q", name, f, def)
		}
	}
	if err := fs.Parse([]string{"--backend", "disk", "--s3-path-style", "--s3-prefix", "bcx/"}); err != nil {
		t.Fatal(err)
	}
	if o.Backend != "disk" || !o.S3.PathStyle || o.S3.Prefix != "bcx/" {
		t.Errorf("options %+v", o)
	}
}
