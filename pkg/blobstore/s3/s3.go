// Package s3 is a blobstore.Store on an S3 bucket (AWS or any S3-compatible
// server), for deployments with several BCX replicas.
//
// A blob is the object "<Prefix><app>/<endpoint>/<id>"; its name (URL-escaped)
// and creation time are user metadata, its content type the object's
// Content-Type. Small blobs are one PutObject; larger ones a streaming
// multipart upload with at most Concurrency parts of PartSize in memory. A
// failed multipart upload is aborted; if even that fails (S3 unreachable) the
// store retries the abort in the background, and on start it aborts uploads
// under the prefix older than OrphanAge that a crashed process left behind.
package s3

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/kaactl/kaactl/pkg/blobstore"
)

var _ blobstore.Store = (*Store)(nil)

// Defaults of Options.
const (
	DefaultPartSize        = 8 << 20
	DefaultConcurrency     = 4
	DefaultOrphanAge       = 24 * time.Hour
	DefaultJanitorInterval = time.Minute
	// MinPartSize is S3's smallest part (but the last).
	MinPartSize = 5 << 20
	// maxParts is S3's limit on parts of one upload.
	maxParts = 10000
)

// Options configures a Store. Zero values take the defaults.
type Options struct {
	Endpoint  string // "" for AWS, else e.g. "http://127.0.0.1:7070"
	Region    string // "" takes the AWS chain's, else us-east-1
	Bucket    string // created if missing
	Prefix    string // prepended to every key, e.g. "bcx/"
	PathStyle bool   // path-style addressing (most non-AWS servers)
	// AccessKey and SecretKey, if set, replace the standard AWS credential
	// chain (environment, shared files, instance roles).
	AccessKey string
	SecretKey string
	// PartSize is the size of multipart upload parts and the largest blob
	// sent as one PutObject (default 8 MiB, at least 5 MiB).
	PartSize int64
	// Concurrency is the number of parts of one blob in memory and in flight
	// at once (default 4): a Put holds at most PartSize*Concurrency bytes.
	Concurrency int
	// MaxAttempts bounds the attempts of one S3 request (0: the SDK's 3).
	MaxAttempts int
	// OrphanAge is the age past which a multipart upload under Prefix counts
	// as abandoned by a crashed writer and is aborted (default 24h). Younger
	// ones may belong to a live replica.
	OrphanAge time.Duration
	// JanitorInterval is how often failed aborts are retried (default 1m).
	JanitorInterval time.Duration
	// Logger gets the janitor's reports (default: discarded).
	Logger *slog.Logger
}

func (o *Options) setDefaults() error {
	var errs []error
	if o.Bucket == "" {
		errs = append(errs, errors.New("bucket is required"))
	}
	if (o.AccessKey == "") != (o.SecretKey == "") {
		errs = append(errs, errors.New("access key and secret key go together"))
	}
	if o.PartSize == 0 {
		o.PartSize = DefaultPartSize
	}
	if o.PartSize < MinPartSize {
		errs = append(errs, fmt.Errorf("part size %d is below the S3 minimum %d", o.PartSize, MinPartSize))
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency %d is below 1", o.Concurrency))
	}
	if o.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("max attempts %d is negative", o.MaxAttempts))
	}
	if o.OrphanAge == 0 {
		o.OrphanAge = DefaultOrphanAge
	}
	if o.JanitorInterval == 0 {
		o.JanitorInterval = DefaultJanitorInterval
	}
	if o.OrphanAge < 0 || o.JanitorInterval < 0 {
		errs = append(errs, errors.New("orphan age and janitor interval must be positive"))
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return errors.Join(errs...)
}

// Store is a blob store on one bucket. Close stops its janitor.
type Store struct {
	client *awss3.Client
	opts   Options
	ids    blobstore.IDGenerator
	chunks chunkPool // upload buffers, shared by the uploads

	mu      sync.Mutex
	pending map[string]string // upload ID -> key of aborts to retry

	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// New connects to S3, creates the bucket if missing, and starts the janitor
// (which first aborts multipart uploads older than OrphanAge).
func New(ctx context.Context, opts Options) (*Store, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, fmt.Errorf("s3 blob store: %w", err)
	}
	var load []func(*config.LoadOptions) error
	if opts.Region != "" {
		load = append(load, config.WithRegion(opts.Region))
	}
	if opts.AccessKey != "" {
		load = append(load, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(opts.AccessKey, opts.SecretKey, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("s3 blob store: load aws config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := awss3.NewFromConfig(cfg, func(o *awss3.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		o.UsePathStyle = opts.PathStyle
		// Ranged reads and multipart objects have no whole-object
		// checksum to validate; that is expected, not worth a log line.
		o.DisableLogOutputChecksumValidationSkipped = true
		if opts.MaxAttempts > 0 {
			o.RetryMaxAttempts = opts.MaxAttempts
		}
	})
	s := &Store{
		client:  client,
		opts:    opts,
		pending: make(map[string]string),
		done:    make(chan struct{}),
		// Enough to reuse for one upload at full concurrency; more
		// uploads at once allocate more, which the GC takes back.
		chunks: newChunkPool(opts.PartSize * int64(opts.Concurrency)),
	}
	if err := s.ensureBucket(ctx, cfg.Region); err != nil {
		return nil, err
	}
	jctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = stop
	go s.janitor(jctx)
	return s, nil
}

func (s *Store) ensureBucket(ctx context.Context, region string) error {
	_, err := s.client.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: &s.opts.Bucket})
	if err == nil {
		return nil
	}
	if err = s.wrap(ctx, "head bucket", err); !errors.Is(err, blobstore.ErrNotFound) {
		return err
	}
	in := &awss3.CreateBucketInput{Bucket: &s.opts.Bucket}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(region),
		}
	}
	_, err = s.client.CreateBucket(ctx, in)
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return s.wrap(ctx, "create bucket", err)
	}
	return nil
}

// Close stops the janitor. Uploads whose abort still failed are left to the
// next start's sweep of old uploads. Close is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		<-s.done
	})
	return nil
}

// Ping implements blobstore.Store: the bucket must answer.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.client.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: &s.opts.Bucket})
	if err = s.wrap(ctx, "ping", err); errors.Is(err, blobstore.ErrNotFound) {
		return fmt.Errorf("%w: bucket %s is gone", blobstore.ErrUnavailable, s.opts.Bucket)
	}
	return err
}

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.opts.Bucket }

func (s *Store) key(app, endpointID, id string) string {
	return s.opts.Prefix + app + "/" + endpointID + "/" + id
}
