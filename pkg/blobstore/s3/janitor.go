package s3

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kaactl/kaactl/pkg/blobstore"
)

const (
	// sweepEvery is how often the janitor looks for old uploads of crashed
	// writers (besides at start).
	sweepEvery = time.Hour
	// maxPending bounds the aborts kept for retry; beyond it the sweep of
	// old uploads is what cleans up.
	maxPending = 10000
)

// remember keeps a failed abort for the janitor.
func (s *Store) remember(key, uploadID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) < maxPending {
		s.pending[uploadID] = key
	}
}

// PendingAborts returns how many failed aborts wait for a retry.
func (s *Store) PendingAborts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

func (s *Store) janitor(ctx context.Context) {
	defer close(s.done)
	report := func(err error) {
		if err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("abort of orphaned multipart uploads failed", "bucket", s.opts.Bucket, "err", err)
		}
	}
	report(s.AbortOrphans(ctx))
	swept := time.Now()
	tick := time.NewTicker(s.opts.JanitorInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if time.Since(swept) >= sweepEvery {
			swept = time.Now()
			report(s.AbortOrphans(ctx))
		} else {
			report(s.retryAborts(ctx))
		}
	}
}

// AbortOrphans aborts the multipart uploads that failed Puts could not abort,
// and every multipart upload under Prefix older than OrphanAge. The janitor
// runs it at start and hourly (and retries failed aborts every
// JanitorInterval); it is exported to run it now.
func (s *Store) AbortOrphans(ctx context.Context) error {
	if err := s.retryAborts(ctx); err != nil {
		return err
	}
	return s.abortOld(ctx)
}

func (s *Store) retryAborts(ctx context.Context) error {
	s.mu.Lock()
	todo := maps.Clone(s.pending)
	s.mu.Unlock()
	var errs []error
	for uploadID, key := range todo {
		err := s.abort(ctx, key, uploadID)
		if errors.Is(err, blobstore.ErrUnavailable) || ctx.Err() != nil {
			return err // no use trying the others now
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.mu.Lock()
		delete(s.pending, uploadID)
		s.mu.Unlock()
		s.opts.Logger.Info("aborted multipart upload after retry", "bucket", s.opts.Bucket, "key", key, "uploadId", uploadID)
	}
	return errors.Join(errs...)
}

func (s *Store) abortOld(ctx context.Context) error {
	cutoff := time.Now().Add(-s.opts.OrphanAge)
	pages := awss3.NewListMultipartUploadsPaginator(s.client, &awss3.ListMultipartUploadsInput{
		Bucket: &s.opts.Bucket,
		Prefix: &s.opts.Prefix,
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return s.wrap(ctx, "list multipart uploads", err)
		}
		for _, u := range page.Uploads {
			if u.Initiated == nil || !u.Initiated.Before(cutoff) {
				continue
			}
			key, id := aws.ToString(u.Key), aws.ToString(u.UploadId)
			if err := s.abort(ctx, key, id); err != nil {
				return err
			}
			s.opts.Logger.Info("aborted old multipart upload", "bucket", s.opts.Bucket, "key", key, "uploadId", id, "initiated", *u.Initiated)
		}
	}
	return nil
}
