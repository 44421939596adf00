package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kaactl/kaactl/pkg/blobstore"
)

// listHeads is how many HeadObject requests List runs at once.
const listHeads = 16

// blobOf builds a Blob from an object's headers.
func blobOf(app, endpointID, id string, metadata map[string]string, contentType *string, size int64, lastModified *time.Time) blobstore.Blob {
	b := blobstore.Blob{
		App:         app,
		EndpointID:  endpointID,
		ID:          id,
		ContentType: aws.ToString(contentType),
		Size:        size,
	}
	b.Name = metadata[metaName]
	if n, err := url.PathUnescape(b.Name); err == nil {
		b.Name = n
	}
	if t, err := time.Parse(time.RFC3339Nano, metadata[metaCreated]); err == nil {
		b.Created = t.UTC()
	} else if lastModified != nil {
		b.Created = lastModified.UTC() // not written by Put
	}
	return b
}

// Stat implements blobstore.Store.
func (s *Store) Stat(ctx context.Context, app, endpointID, id string) (blobstore.Blob, error) {
	if err := blobstore.CheckAddress(app, endpointID, id); err != nil {
		return blobstore.Blob{}, err
	}
	return s.head(ctx, app, endpointID, id)
}

func (s *Store) head(ctx context.Context, app, endpointID, id string) (blobstore.Blob, error) {
	out, err := s.client.HeadObject(ctx, &awss3.HeadObjectInput{
		Bucket: &s.opts.Bucket,
		Key:    aws.String(s.key(app, endpointID, id)),
	})
	if err != nil {
		return blobstore.Blob{}, s.wrap(ctx, "stat blob", err)
	}
	return blobOf(app, endpointID, id, out.Metadata, out.ContentType, aws.ToInt64(out.ContentLength), out.LastModified), nil
}

// Get implements blobstore.Store.
func (s *Store) Get(ctx context.Context, app, endpointID, id string, offset, length int64) (io.ReadCloser, blobstore.Blob, error) {
	if err := blobstore.CheckAddress(app, endpointID, id); err != nil {
		return nil, blobstore.Blob{}, err
	}
	if offset < 0 {
		_, err := blobstore.Span(0, offset, length)
		return nil, blobstore.Blob{}, err
	}
	if length == 0 {
		return s.getEmpty(ctx, app, endpointID, id, offset)
	}
	in := &awss3.GetObjectInput{
		Bucket: &s.opts.Bucket,
		Key:    aws.String(s.key(app, endpointID, id)),
	}
	ranged := offset > 0 || length > 0
	if ranged {
		r := fmt.Sprintf("bytes=%d-", offset)
		if length > 0 {
			r += strconv.FormatInt(offset+length-1, 10)
		}
		in.Range = &r
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		err = s.wrap(ctx, "get blob", err)
		if errors.Is(err, blobstore.ErrRange) {
			// S3 refuses a range that starts at the end; the contract reads
			// nothing there.
			return s.getEmpty(ctx, app, endpointID, id, offset)
		}
		return nil, blobstore.Blob{}, err
	}
	size := aws.ToInt64(out.ContentLength)
	if ranged {
		total, ok := totalOf(aws.ToString(out.ContentRange))
		if !ok {
			out.Body.Close()
			return nil, blobstore.Blob{}, fmt.Errorf("get blob: bad content range %q", aws.ToString(out.ContentRange))
		}
		size = total
	}
	return out.Body, blobOf(app, endpointID, id, out.Metadata, out.ContentType, size, out.LastModified), nil
}

// getEmpty answers a read of nothing at offset, which needs only the size.
func (s *Store) getEmpty(ctx context.Context, app, endpointID, id string, offset int64) (io.ReadCloser, blobstore.Blob, error) {
	b, err := s.head(ctx, app, endpointID, id)
	if err != nil {
		return nil, blobstore.Blob{}, err
	}
	if _, err := blobstore.Span(b.Size, offset, 0); err != nil {
		return nil, blobstore.Blob{}, err
	}
	return io.NopCloser(strings.NewReader("")), b, nil
}

// totalOf returns the complete length from a Content-Range "bytes a-b/total".
func totalOf(contentRange string) (int64, bool) {
	_, total, ok := strings.Cut(contentRange, "/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(total, 10, 64)
	return n, err == nil
}

// List implements blobstore.Store. Metadata is not part of an S3 listing, so
// it heads every matching object: the cost grows with the blobs of the app
// (or endpoint), not with the page.
func (s *Store) List(ctx context.Context, app string, opts blobstore.ListOptions) (blobstore.ListResult, error) {
	if err := blobstore.CheckList(app, opts); err != nil {
		return blobstore.ListResult{}, err
	}
	prefix := s.opts.Prefix + app + "/"
	if opts.EndpointID != "" {
		prefix += opts.EndpointID + "/"
	}
	type address struct{ endpointID, id string }
	var found []address
	pages := awss3.NewListObjectsV2Paginator(s.client, &awss3.ListObjectsV2Input{
		Bucket: &s.opts.Bucket,
		Prefix: &prefix,
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return blobstore.ListResult{}, s.wrap(ctx, "list blobs", err)
		}
		for _, o := range page.Contents {
			rest := strings.TrimPrefix(aws.ToString(o.Key), s.opts.Prefix+app+"/")
			ep, id, ok := strings.Cut(rest, "/")
			if ok && blobstore.ValidName(ep) && blobstore.ValidName(id) {
				found = append(found, address{ep, id})
			}
		}
	}

	blobs := make([]blobstore.Blob, len(found))
	gone := make([]bool, len(found))
	errs := make([]error, len(found))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(listHeads, len(found)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				blobs[i], errs[i] = s.head(ctx, app, found[i].endpointID, found[i].id)
				if errors.Is(errs[i], blobstore.ErrNotFound) {
					gone[i], errs[i] = true, nil // deleted since the listing
				}
			}
		}()
	}
	for i := range found {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return blobstore.ListResult{}, fmt.Errorf("list blobs: %w", err)
		}
	}
	all := blobs[:0]
	for i, b := range blobs {
		if !gone[i] {
			all = append(all, b)
		}
	}
	return blobstore.Page(all, opts), nil
}

// Delete implements blobstore.Store.
func (s *Store) Delete(ctx context.Context, app, endpointID, id string) error {
	if err := blobstore.CheckAddress(app, endpointID, id); err != nil {
		return err
	}
	// S3 deletes of missing keys succeed; the contract wants ErrNotFound.
	if _, err := s.head(ctx, app, endpointID, id); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &awss3.DeleteObjectInput{
		Bucket: &s.opts.Bucket,
		Key:    aws.String(s.key(app, endpointID, id)),
	})
	return s.wrap(ctx, "delete blob", err)
}
