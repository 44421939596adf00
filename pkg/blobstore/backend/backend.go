// Package backend chooses and opens a blob backend by name (s3, disk or
// ram) from options that flags and config files set, so every command that
// stores blobs offers the same choice.
package backend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/blobstore/disk"
	"github.com/kaactl/kaactl/pkg/blobstore/ram"
	"github.com/kaactl/kaactl/pkg/blobstore/s3"
)

// Backend names.
const (
	S3   = "s3"
	Disk = "disk"
	RAM  = "ram"
)

// ErrUnknown is returned for a backend name other than S3, Disk and RAM.
var ErrUnknown = errors.New("unknown blob backend")

// Options chooses a backend and configures it.
type Options struct {
	// Backend is S3, Disk or RAM.
	Backend string
	// DiskDir is the directory of the disk backend.
	DiskDir string
	// S3 configures the s3 backend (credentials from the AWS chain unless
	// S3.AccessKey is set).
	S3 s3.Options
}

// DefaultOptions are the defaults of `kaactl serve bcx`: S3 bucket kaa-bcx.
func DefaultOptions() Options {
	return Options{Backend: S3, DiskDir: "bcx-data", S3: s3.Options{Region: "us-east-1", Bucket: "kaa-bcx"}}
}

// BindFlags binds --backend, --disk-dir and --s3-*; the fields' current
// values are the defaults.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Backend, "backend", o.Backend, "blob backend: s3, disk or ram")
	fs.StringVar(&o.DiskDir, "disk-dir", o.DiskDir, "directory of the disk backend")
	fs.StringVar(&o.S3.Endpoint, "s3-endpoint", o.S3.Endpoint, "S3 endpoint URL (default: AWS)")
	fs.StringVar(&o.S3.Region, "s3-region", o.S3.Region, "S3 region")
	fs.StringVar(&o.S3.Bucket, "s3-bucket", o.S3.Bucket, "S3 bucket (created if missing)")
	fs.StringVar(&o.S3.Prefix, "s3-prefix", o.S3.Prefix, "key prefix inside the bucket")
	fs.BoolVar(&o.S3.PathStyle, "s3-path-style", o.S3.PathStyle, "path-style S3 addressing (MinIO, versitygw, Ceph)")
}

// Validate checks the backend name; each backend checks its own settings
// when it opens.
func (o Options) Validate() error {
	switch o.Backend {
	case S3, Disk, RAM:
		return nil
	}
	return fmt.Errorf("%w %q: want s3, disk or ram", ErrUnknown, o.Backend)
}

// Open opens the chosen backend; close releases it (the s3 backend stops
// its janitor) and is never nil when err is nil.
func Open(ctx context.Context, o Options, log *slog.Logger) (store blobstore.Store, close func() error, err error) {
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	nop := func() error { return nil }
	switch o.Backend {
	case RAM:
		return ram.New(), nop, nil
	case Disk:
		st, err := disk.Open(o.DiskDir)
		if err != nil {
			return nil, nil, err
		}
		return st, nop, nil
	}
	if o.S3.Logger == nil {
		o.S3.Logger = log
	}
	st, err := s3.New(ctx, o.S3)
	if err != nil {
		return nil, nil, err
	}
	return st, st.Close, nil
}
