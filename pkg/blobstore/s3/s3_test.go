package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/blobstore/storetest"
)

const prefix = "blobs/"

func newStore(t *testing.T, srv testenv.S3Server, bucket string, modify func(*Options)) *Store {
	t.Helper()
	opts := Options{
		Endpoint:  srv.Endpoint,
		Region:    srv.Region,
		Bucket:    bucket,
		Prefix:    prefix,
		PathStyle: true,
		AccessKey: srv.AccessKey,
		SecretKey: srv.SecretKey,
	}
	if modify != nil {
		modify(&opts)
	}
	s, err := New(t.Context(), opts)
	if err != nil {
		t.Fatalf("new s3 store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	srv := testenv.S3(t)
	var n atomic.Int32
	storetest.Run(t, func(t *testing.T) blobstore.Store {
		return newStore(t, srv, fmt.Sprintf("suite-%d", n.Add(1)), nil)
	})
}

// TestPartBoundaries: sizes around the part size take the PutObject and the
// multipart paths and read back whole.
func TestPartBoundaries(t *testing.T) {
	srv := testenv.S3(t)
	s := newStore(t, srv, "parts", func(o *Options) { o.PartSize = MinPartSize; o.Concurrency = 2 })
	for _, n := range []int64{MinPartSize - 1, MinPartSize, MinPartSize + 1, 2 * MinPartSize, 3*MinPartSize + chunkSize + 1} {
		want := sha256.New()
		b, err := s.Put(t.Context(), blobstore.Blob{App: "a", EndpointID: "e"}, io.TeeReader(stream(n), want))
		if err != nil {
			t.Fatalf("put %d bytes: %v", n, err)
		}
		if b.Size != n {
			t.Fatalf("put %d bytes: size %d", n, b.Size)
		}
		rc, _, err := s.Get(t.Context(), "a", "e", b.ID, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.New()
		_, err = io.Copy(got, rc)
		rc.Close()
		if err != nil || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
			t.Fatalf("read back %d bytes: differ (%v)", n, err)
		}
	}
	if u := uploads(t, s); len(u) != 0 {
		t.Fatalf("multipart uploads left: %v", u)
	}
}

// uploads lists the multipart uploads under prefix.
func uploads(t *testing.T, s *Store) []string {
	t.Helper()
	out, err := s.client.ListMultipartUploads(t.Context(), &awss3.ListMultipartUploadsInput{
		Bucket: &s.opts.Bucket,
		Prefix: aws.String(prefix),
	})
	if err != nil {
		t.Fatalf("list multipart uploads: %v", err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key)+" "+aws.ToString(u.UploadId))
	}
	return keys
}

func stream(n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{1}), n)
}

// hookReader calls hook once after n bytes.
type hookReader struct {
	r    io.Reader
	n    int64
	hook func()
}

func (h *hookReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if h.n -= int64(n); h.n <= 0 && h.hook != nil {
		h.hook()
		h.hook = nil
	}
	return n, err
}

func TestFailedMultipartLeavesNoUpload(t *testing.T) {
	srv := testenv.S3(t)
	s := newStore(t, srv, "failed", nil)
	broken := errors.New("broken body")
	tests := []struct {
		name string
		body func(cancel context.CancelFunc) io.Reader
		want error
	}{
		{"reader error", func(context.CancelFunc) io.Reader {
			return io.MultiReader(stream(3*DefaultPartSize+5), &errorReader{broken})
		}, broken},
		{"context cancelled", func(cancel context.CancelFunc) io.Reader {
			return &hookReader{r: stream(5 * DefaultPartSize), n: 2*DefaultPartSize + 1, hook: cancel}
		}, context.Canceled},
	}
	for _, tc := range tests {
		ctx, cancel := context.WithCancel(t.Context())
		_, err := s.Put(ctx, blobstore.Blob{App: "a", EndpointID: "e"}, tc.body(cancel))
		cancel()
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: put error %v, want %v", tc.name, err, tc.want)
		}
		if u := uploads(t, s); len(u) != 0 {
			t.Fatalf("%s: multipart uploads left: %v", tc.name, u)
		}
		if n := s.PendingAborts(); n != 0 {
			t.Fatalf("%s: %d aborts pending with S3 up", tc.name, n)
		}
	}
}

type errorReader struct{ err error }

func (e *errorReader) Read([]byte) (int, error) { return 0, e.err }

// TestKillMidUpload kills S3 while a Put streams: the Put fails, its abort
// fails too, and once S3 is back the janitor aborts the orphan.
func TestKillMidUpload(t *testing.T) {
	srv := testenv.S3(t)
	// Two attempts keep the retries of requests to a dead S3 short.
	s := newStore(t, srv, "crash", func(o *Options) { o.MaxAttempts = 2 })
	ctx := t.Context()
	before := put(t, s, "before")

	body := &hookReader{r: stream(96 << 20), n: 24 << 20, hook: srv.Stop}
	start := time.Now()
	_, err := s.Put(ctx, blobstore.Blob{App: "a", EndpointID: "e", Name: "doomed"}, body)
	t.Logf("put failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	if !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("put with S3 killed: error %v, want %v", err, blobstore.ErrUnavailable)
	}
	if n := s.PendingAborts(); n != 1 {
		t.Fatalf("%d aborts pending, want 1", n)
	}
	err = s.Ping(ctx)
	if !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("ping with S3 down: %v, want %v", err, blobstore.ErrUnavailable)
	}
	_, err = s.Stat(ctx, "a", "e", before.ID)
	if !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("stat with S3 down: %v, want %v", err, blobstore.ErrUnavailable)
	}
	if err := s.AbortOrphans(ctx); !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("janitor with S3 down: %v, want %v", err, blobstore.ErrUnavailable)
	}

	srv.Restart()
	if u := uploads(t, s); len(u) != 1 {
		t.Fatalf("after restart, want the orphaned upload, got %v", u)
	}
	after := put(t, s, "after")
	if err := s.AbortOrphans(ctx); err != nil {
		t.Fatalf("janitor: %v", err)
	}
	if u := uploads(t, s); len(u) != 0 {
		t.Fatalf("multipart uploads left after the janitor: %v", u)
	}
	if n := s.PendingAborts(); n != 0 {
		t.Fatalf("%d aborts still pending", n)
	}
	res, err := s.List(ctx, "a", blobstore.ListOptions{Ascending: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2 || res.Blobs[0].ID != before.ID || res.Blobs[1].ID != after.ID {
		t.Fatalf("list after crash: %+v", res)
	}
}

func put(t *testing.T, s *Store, name string) blobstore.Blob {
	t.Helper()
	b, err := s.Put(t.Context(), blobstore.Blob{App: "a", EndpointID: "e", Name: name}, strings.NewReader(name))
	if err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
	return b
}

// TestJanitorInBackground leaves the retry of a failed abort to the janitor.
func TestJanitorInBackground(t *testing.T) {
	srv := testenv.S3(t)
	s := newStore(t, srv, "janitor", func(o *Options) {
		o.JanitorInterval = 10 * time.Millisecond
		o.MaxAttempts = 1
	})
	body := &hookReader{r: stream(3 * DefaultPartSize), n: DefaultPartSize + 1, hook: srv.Stop}
	if _, err := s.Put(t.Context(), blobstore.Blob{App: "a", EndpointID: "e"}, body); err == nil {
		t.Fatal("put succeeded with S3 killed")
	}
	srv.Restart()
	testenv.Eventually(t, 10*time.Second, "janitor aborts the orphaned upload", func() bool {
		return s.PendingAborts() == 0
	})
	if u := uploads(t, s); len(u) != 0 {
		t.Fatalf("multipart uploads left: %v", u)
	}
}

// TestOldUploadsAbortedOnStart: uploads a crashed process left are aborted
// by the next New once they are older than OrphanAge; others are not.
func TestOldUploadsAbortedOnStart(t *testing.T) {
	srv := testenv.S3(t)
	first := newStore(t, srv, "restart", nil)
	create := func(key string) {
		_, err := first.client.CreateMultipartUpload(t.Context(), &awss3.CreateMultipartUploadInput{
			Bucket: aws.String("restart"),
			Key:    aws.String(key),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	create(prefix + "a/e/crashed")
	create("other/a/e/not-ours")
	first.Close()
	if u := uploads(t, first); len(u) != 1 {
		t.Fatalf("uploads before restart: %v", u)
	}

	s := newStore(t, srv, "restart", func(o *Options) { o.OrphanAge = time.Millisecond })
	testenv.Eventually(t, 10*time.Second, "old upload aborted on start", func() bool {
		return len(uploads(t, s)) == 0
	})
	out, err := s.client.ListMultipartUploads(t.Context(), &awss3.ListMultipartUploadsInput{Bucket: aws.String("restart")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Uploads) != 1 || aws.ToString(out.Uploads[0].Key) != "other/a/e/not-ours" {
		t.Fatalf("upload outside the prefix touched: %+v", out.Uploads)
	}
}

func TestNew(t *testing.T) {
	ctx := t.Context()
	_, err := New(ctx, Options{PartSize: 1 << 20, AccessKey: "x"})
	if err == nil {
		t.Fatal("new with bad options succeeded")
	}
	for _, want := range []string{"bucket is required", "part size", "secret key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	srv := testenv.S3(t)
	srv.Stop()
	_, err = New(ctx, Options{Endpoint: srv.Endpoint, Bucket: "b", PathStyle: true, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, MaxAttempts: 1})
	if !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("new with S3 down: %v, want %v", err, blobstore.ErrUnavailable)
	}

	srv.Restart()
	s := newStore(t, srv, "created", nil)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	// A second store on the existing bucket.
	newStore(t, srv, "created", nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestKey(t *testing.T) {
	s := &Store{opts: Options{Prefix: "p/"}}
	if got := s.key("app", "ep", "id"); got != "p/app/ep/id" {
		t.Fatalf("key: %q", got)
	}
}
