package s3

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/blobstore/internal/ctxio"
)

const (
	// abortTimeout bounds an abort after a failed upload, abortAttempts
	// its tries; the janitor retries later.
	abortTimeout  = 30 * time.Second
	abortAttempts = 3

	metaName    = "name"
	metaCreated = "created"
)

// object is what every request of one Put shares.
type object struct {
	key         string
	contentType string
	metadata    map[string]string
}

// Put implements blobstore.Store.
func (s *Store) Put(ctx context.Context, b blobstore.Blob, r io.Reader) (blobstore.Blob, error) {
	b, r, err := blobstore.StartPut(&s.ids, b, r)
	if err != nil {
		return blobstore.Blob{}, err
	}
	obj := object{
		key:         s.key(b.App, b.EndpointID, b.ID),
		contentType: b.ContentType,
		metadata: map[string]string{
			metaName:    url.PathEscape(b.Name), // header values must be ASCII
			metaCreated: b.Created.Format(time.RFC3339Nano),
		},
	}
	if obj.contentType == "" {
		obj.contentType = blobstore.DefaultContentType
	}
	body := ctxio.Reader(ctx, r)

	// A caller that knows the size lets a large blob go up as one streamed
	// PutObject: no part buffers, and no server-side reassembly of parts,
	// which costs a second full write on many S3 servers.
	if b.Size > 0 && b.Size <= maxSinglePut {
		if err := s.putStream(ctx, obj, body, b.Size); err != nil {
			return blobstore.Blob{}, err
		}
		return b, nil
	}

	first, last, err := s.chunks.readPart(body, s.opts.PartSize)
	if err != nil {
		return blobstore.Blob{}, fmt.Errorf("read blob: %w", err)
	}
	if last {
		defer s.chunks.release(first)
		if err := s.putObject(ctx, obj, first); err != nil {
			return blobstore.Blob{}, err
		}
		b.Size = first.size
		return b, nil
	}
	size, err := s.putMultipart(ctx, obj, first, body)
	if err != nil {
		return blobstore.Blob{}, err
	}
	b.Size = size
	return b, nil
}

func (s *Store) putObject(ctx context.Context, obj object, p *part) error {
	_, err := s.client.PutObject(ctx, &awss3.PutObjectInput{
		Bucket:        &s.opts.Bucket,
		Key:           &obj.key,
		Body:          p.reader(),
		ContentLength: aws.Int64(p.size),
		ContentType:   &obj.contentType,
		Metadata:      obj.metadata,
	})
	return s.wrap(ctx, "put object", err)
}

// maxSinglePut is S3's limit for one PutObject.
const maxSinglePut = 5 << 30

// putStream sends exactly size bytes of body as one PutObject. The payload is
// not hashed for the signature (S3's UNSIGNED-PAYLOAD, as over TLS); S3 keeps
// nothing of a PUT that fails midway.
func (s *Store) putStream(ctx context.Context, obj object, body io.Reader, size int64) error {
	src := &recordingReader{r: body}
	_, err := s.client.PutObject(ctx, &awss3.PutObjectInput{
		Bucket:        &s.opts.Bucket,
		Key:           &obj.key,
		Body:          src,
		ContentLength: aws.Int64(size),
		ContentType:   &obj.contentType,
		Metadata:      obj.metadata,
	}, awss3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware), func(o *awss3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.RetryMaxAttempts = 1 // a stream cannot be sent twice
	})
	if err != nil && src.err != nil {
		// The body failed (size mismatch, limit, client gone): that is the
		// cause, not the aborted request the SDK reports.
		return fmt.Errorf("read blob: %w", src.err)
	}
	return s.wrap(ctx, "put object", err)
}

// recordingReader keeps the first error of its reader other than EOF.
type recordingReader struct {
	r   io.Reader
	err error
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// putMultipart uploads first (a full part) and the rest of body as one
// multipart upload and returns the size. On error the upload is aborted.
func (s *Store) putMultipart(ctx context.Context, obj object, first *part, body io.Reader) (int64, error) {
	created, err := s.client.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{
		Bucket:            &s.opts.Bucket,
		Key:               &obj.key,
		ContentType:       &obj.contentType,
		Metadata:          obj.metadata,
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		s.chunks.release(first)
		return 0, s.wrap(ctx, "create multipart upload", err)
	}
	uploadID := aws.ToString(created.UploadId)
	size, parts, err := s.uploadParts(ctx, obj.key, uploadID, first, body)
	if err == nil {
		_, err = s.client.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{
			Bucket:          &s.opts.Bucket,
			Key:             &obj.key,
			UploadId:        &uploadID,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
		err = s.wrap(ctx, "complete multipart upload", err)
	}
	if err != nil {
		s.abortAfterFailure(ctx, obj.key, uploadID)
		return 0, err
	}
	return size, nil
}

// uploadParts sends first and the rest of body as parts, at most Concurrency
// parts in memory at once (one being read, the others in flight), and
// returns the size and the parts in order. It returns once no part is in
// flight.
func (s *Store) uploadParts(ctx context.Context, key, uploadID string, first *part, body io.Reader) (int64, []types.CompletedPart, error) {
	pctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		parts    []types.CompletedPart
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
			cancel(err)
		}
	}
	tokens := make(chan struct{}, s.opts.Concurrency) // one per part in memory
	tokens <- struct{}{}
	p, size, last := first, first.size, false
	for num := int32(1); ; num++ {
		wg.Add(1)
		go func(p *part) {
			defer wg.Done()
			defer func() { s.chunks.release(p); <-tokens }()
			out, err := s.client.UploadPart(pctx, &awss3.UploadPartInput{
				Bucket:            &s.opts.Bucket,
				Key:               &key,
				UploadId:          &uploadID,
				PartNumber:        aws.Int32(num),
				Body:              p.reader(),
				ContentLength:     aws.Int64(p.size),
				ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
			})
			if err != nil {
				fail(s.wrap(pctx, fmt.Sprintf("upload part %d", num), err))
				return
			}
			mu.Lock()
			parts = append(parts, types.CompletedPart{
				PartNumber:    aws.Int32(num),
				ETag:          out.ETag,
				ChecksumCRC32: out.ChecksumCRC32,
			})
			mu.Unlock()
		}(p)
		if last {
			break
		}
		select {
		case tokens <- struct{}{}:
		case <-pctx.Done():
		}
		if pctx.Err() != nil {
			break
		}
		next, end, err := s.chunks.readPart(body, s.opts.PartSize)
		if err != nil {
			<-tokens
			fail(fmt.Errorf("read blob: %w", err))
			break
		}
		if next.size == 0 {
			<-tokens
			break
		}
		if num == maxParts {
			s.chunks.release(next)
			<-tokens
			fail(fmt.Errorf("put blob: more than %d parts of %d bytes", maxParts, s.opts.PartSize))
			break
		}
		p, size, last = next, size+next.size, end
	}
	wg.Wait()
	if firstErr != nil {
		return 0, nil, firstErr
	}
	if ctx.Err() != nil {
		return 0, nil, fmt.Errorf("put blob: %w", context.Cause(ctx))
	}
	slices.SortFunc(parts, func(a, b types.CompletedPart) int {
		return int(aws.ToInt32(a.PartNumber) - aws.ToInt32(b.PartNumber))
	})
	return size, parts, nil
}

// abortAfterFailure aborts a failed upload even when ctx has ended, and
// leaves it to the janitor if S3 does not take the abort now.
func (s *Store) abortAfterFailure(ctx context.Context, key, uploadID string) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	// Few attempts: the janitor retries, the caller should not wait long
	// on an S3 that is down. But more than one: parts whose requests were
	// cancelled by the failure may still be landing, and S3 says an abort
	// may then have to be repeated (versitygw answers it with a 500,
	// "directory not empty").
	err := s.abort(actx, key, uploadID, func(o *awss3.Options) { o.RetryMaxAttempts = abortAttempts })
	if err != nil {
		s.opts.Logger.Warn("abort of failed multipart upload failed, will retry",
			"bucket", s.opts.Bucket, "key", key, "uploadId", uploadID, "err", err)
		s.remember(key, uploadID)
	}
}

// abort aborts one multipart upload; one that is gone already counts as
// aborted.
func (s *Store) abort(ctx context.Context, key, uploadID string, optFns ...func(*awss3.Options)) error {
	_, err := s.client.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{
		Bucket:   &s.opts.Bucket,
		Key:      &key,
		UploadId: &uploadID,
	}, optFns...)
	if err != nil && !isNoSuchUpload(err) {
		return s.wrap(ctx, "abort multipart upload", err)
	}
	return nil
}
