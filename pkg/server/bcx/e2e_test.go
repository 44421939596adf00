package bcx_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/blobstore/s3"
	"github.com/kaactl/kaactl/pkg/platform"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
	"github.com/kaactl/kaactl/pkg/server/bcx"
)

// randomStream is n deterministic pseudo-random bytes, never held in memory.
type randomStream struct {
	rng *rand.ChaCha8
	n   int64
}

func newRandomStream(seed byte, n int64) *randomStream {
	var s [32]byte
	s[0] = seed
	return &randomStream{rng: rand.NewChaCha8(s), n: n}
}

func (r *randomStream) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	n, _ := r.rng.Read(p)
	r.n -= int64(n)
	return n, nil
}

func openS3(t *testing.T, srv testenv.S3Server) *s3.Store {
	t.Helper()
	st, err := s3.New(context.Background(), s3.Options{Endpoint: srv.Endpoint, Region: srv.Region, Bucket: "bcx-e2e",
		PathStyle: true, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestEndToEndMQTTTokenS3Upload: a device fetches an upload token over MQTT
// through KPC, uploads 64 MiB to BCX backed by real S3 (versitygw), and the
// management API lists and returns exactly those bytes.
func TestEndToEndMQTTTokenS3Upload(t *testing.T) {
	s3srv := testenv.S3(t)
	p := platformtest.Start(t, platformtest.BCX(func(o *bcx.Options) {
		o.Blobs.S3 = s3.Options{Endpoint: s3srv.Endpoint, Region: s3srv.Region, Bucket: "bcx-e2e",
			PathStyle: true, AccessKey: s3srv.AccessKey, SecretKey: s3srv.SecretKey, MaxAttempts: 1}
	}))
	if p.Blobs() != "s3" {
		t.Fatalf("blobs in %s, want s3", p.Blobs())
	}
	ep, _, err := p.Provider().CreateEndpoint(context.Background(), platform.DemoTenant, platform.DemoApp, "dev-token")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + p.BCX().RESTAddr()

	// Kaa's clients request a token without a request id and wait on .../token/status.
	dev := testenv.MQTT(t, p.KPC().MQTTAddr(), "device-42")
	dev.Publish(t, "kp1/demo-v1/bcx/dev-token/token", 1, "")
	m := dev.Expect(t, "kp1/demo-v1/bcx/dev-token/token/status", 10*time.Second)
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(m.Payload), &tok); err != nil || tok.Token == "" {
		t.Fatalf("token reply %q: %v", m.Payload, err)
	}

	const size = 64 << 20
	sum := sha256.New()
	body := io.TeeReader(newRandomStream(1, size), sum)
	req, _ := http.NewRequest("POST", base+"/api/v1/binary-data?name="+url.QueryEscape("firmware dump.bin"), body)
	req.Header.Set("X-Auth-Token", tok.Token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("upload status %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	want := sum.Sum(nil)

	read := "Bearer " + p.AdminToken()
	_, listBody := testenv.HTTP(t, nil, "GET", base+"/api/v1/applications/demo/binary-data?endpointId="+ep.ID, nil, "Authorization", read)
	var list struct {
		Content []struct {
			ID, EndpointID, Name string
			Size                 int64
		}
		TotalElements int
	}
	if err := json.Unmarshal([]byte(listBody), &list); err != nil || list.TotalElements != 1 {
		t.Fatalf("list %s: %v", listBody, err)
	}
	if b := list.Content[0]; b.EndpointID != ep.ID || b.Name != "firmware dump.bin" || b.Size != size || !strings.HasSuffix(loc, "/"+b.ID) {
		t.Fatalf("listed %+v (location %s)", b, loc)
	}

	req, _ = http.NewRequest("GET", base+loc+"/data", nil)
	req.Header.Set("Authorization", read)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := sha256.New()
	n, err := io.Copy(got, resp.Body)
	if err != nil || n != size || string(got.Sum(nil)) != string(want) {
		t.Fatalf("download: %d bytes, err %v, sha256 match %v", n, err, string(got.Sum(nil)) == string(want))
	}
}

// failAfter yields n bytes, then calls fn once and keeps streaming.
type failAfter struct {
	r    io.Reader
	n    int64
	fn   func()
	done bool
}

func (f *failAfter) Read(p []byte) (int, error) {
	if !f.done && f.n <= 0 {
		f.done = true
		f.fn()
	}
	n, err := f.r.Read(p)
	f.n -= int64(n)
	return n, err
}

// TestS3DownMidUpload: the client gets an error, nothing partial is listed,
// and uploads work again once S3 is back.
func TestS3DownMidUpload(t *testing.T) {
	// Chunked uploads go to S3 as multipart uploads, uploads with a
	// Content-Length as one streamed PutObject: both must fail cleanly.
	for _, sized := range []bool{false, true} {
		t.Run(map[bool]string{false: "chunked", true: "sized"}[sized], func(t *testing.T) { testS3DownMidUpload(t, sized) })
	}
}

func testS3DownMidUpload(t *testing.T, sized bool) {
	s3srv := testenv.S3(t)
	store := openS3(t, s3srv)
	e := startBCX(t, store, nil)
	tok := e.token(t, "ep-1")

	body := &failAfter{r: newRandomStream(2, 96<<20), n: 40 << 20, fn: s3srv.Stop}
	req, _ := http.NewRequest("POST", e.base+"/api/v1/binary-data", body)
	req.Header.Set("X-Auth-Token", tok)
	if sized {
		req.ContentLength = 96 << 20
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode < 500 {
			t.Fatalf("upload with S3 down: status %d", resp.StatusCode)
		}
	} else if !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "connection reset") && !strings.Contains(err.Error(), "broken pipe") {
		t.Logf("upload failed on the client side: %v", err)
	}
	health := func() int {
		resp, err := http.Get(e.base + "/health")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := health(); got != http.StatusServiceUnavailable {
		t.Errorf("health with S3 down: %d, want 503", got)
	}
	s3srv.Restart()
	testenv.Eventually(t, 10*time.Second, "bcx healthy again", func() bool {
		resp, err := http.Get(e.base + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	read := "Bearer " + e.acme.Token(t, "admin", time.Hour, "endpoint:read")
	if _, b := testenv.HTTP(t, nil, "GET", e.base+"/api/v1/applications/demo/binary-data", nil, "Authorization", read); !strings.Contains(b, `"totalElements":0`) {
		t.Fatalf("partial upload listed: %s", b)
	}
	if err := store.AbortOrphans(context.Background()); err != nil {
		t.Fatalf("abort orphans: %v", err)
	}
	if n := multipartUploads(t, s3srv, "bcx-e2e"); n != 0 {
		t.Fatalf("%d multipart uploads left after S3 came back", n)
	}
	if resp, b := testenv.HTTP(t, nil, "POST", e.base+"/api/v1/binary-data", newRandomStream(3, 9<<20), "X-Auth-Token", tok); resp.StatusCode != 201 {
		t.Fatalf("upload after S3 came back: %d %s", resp.StatusCode, b)
	}
}

// multipartUploads counts unfinished multipart uploads in a bucket, asked
// straight from the S3 server.
func multipartUploads(t *testing.T, srv testenv.S3Server, bucket string) int {
	t.Helper()
	c := awss3.New(awss3.Options{
		BaseEndpoint: aws.String(srv.Endpoint), Region: srv.Region, UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
	})
	out, err := c.ListMultipartUploads(context.Background(), &awss3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Uploads)
}
