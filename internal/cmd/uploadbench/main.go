// Command uploadbench measures BCX upload throughput next to a direct S3
// PutObject of the same bytes to the same S3 server, in the same run, and
// BCX's peak RSS growth per blob size. scripts/bench.sh upload runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kaactl/kaactl/pkg/server/bcx"
)

type result struct {
	Size       int64   `json:"size"`
	BCXMBps    float64 `json:"bcx_mb_per_s"`
	S3MBps     float64 `json:"s3_mb_per_s"`
	Ratio      float64 `json:"ratio"`
	RSSGrowMiB float64 `json:"bcx_peak_rss_growth_mib"`
}

func main() {
	var (
		bcxURL, keyFile, s3Endpoint, ak, sk, bucket, sizes, dir string
		pid                                                     int
		rounds                                                  int
	)
	flag.StringVar(&bcxURL, "bcx", "http://127.0.0.1:8090", "BCX REST base URL")
	flag.StringVar(&keyFile, "token-key-file", "", "BCX's token key file (the bench signs its own upload token)")
	flag.IntVar(&pid, "bcx-pid", 0, "BCX process id, for peak RSS from /proc")
	flag.StringVar(&s3Endpoint, "s3-endpoint", "", "S3 endpoint for the direct PutObject baseline")
	flag.StringVar(&ak, "s3-access-key", "", "S3 access key")
	flag.StringVar(&sk, "s3-secret-key", "", "S3 secret key")
	flag.StringVar(&bucket, "s3-bucket", "bench-direct", "bucket for the baseline")
	flag.StringVar(&sizes, "sizes", "1MiB,64MiB,1GiB", "blob sizes")
	flag.StringVar(&dir, "dir", os.TempDir(), "where the blob files are written")
	flag.IntVar(&rounds, "rounds", 3, "uploads per size and system (best is reported)")
	flag.Parse()
	if err := run(bcxURL, keyFile, pid, s3Endpoint, ak, sk, bucket, sizes, dir, rounds); err != nil {
		fmt.Fprintln(os.Stderr, "uploadbench:", err)
		os.Exit(1)
	}
}

func parseSize(s string) (int64, error) {
	for suffix, mult := range map[string]int64{"GiB": 1 << 30, "MiB": 1 << 20, "KiB": 1 << 10} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			return v * mult, err
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// blobFile writes size pseudo-random bytes to a file both systems read from.
func blobFile(dir string, size int64) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("uploadbench-%d.bin", size))
	if st, err := os.Stat(path); err == nil && st.Size() == size {
		return path, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var seed [32]byte
	if _, err := io.CopyN(f, rand.NewChaCha8(seed), size); err != nil {
		return "", err
	}
	return path, nil
}

func peakRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM for pid %d", pid)
}

// resetPeak makes VmHWM start again from the current RSS.
func resetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

func run(bcxURL, keyFile string, pid int, s3Endpoint, ak, sk, bucket, sizes, dir string, rounds int) error {
	ctx := context.Background()
	key, err := bcx.LoadOrCreateKey(keyFile, false)
	if err != nil {
		return err
	}
	signer, err := bcx.NewTokenSigner(key)
	if err != nil {
		return err
	}
	token := signer.Sign(bcx.TokenClaims{App: "bench", EndpointID: "bench-ep", Expires: time.Now().Add(time.Hour).Unix()})
	client := s3.New(s3.Options{BaseEndpoint: aws.String(s3Endpoint), Region: "us-east-1", UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, "")})
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil && !strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") {
		return fmt.Errorf("create bucket: %w", err)
	}
	for _, s := range strings.Split(sizes, ",") {
		size, err := parseSize(s)
		if err != nil {
			return err
		}
		path, err := blobFile(dir, size)
		if err != nil {
			return err
		}
		var best result
		best.Size = size
		// Small blobs take milliseconds: more rounds keep the best stable.
		n := rounds * int(max(1, min(20, (64<<20)/size)))
		for range n {
			// Direct S3: one PutObject streamed from the file (unsigned payload,
			// as BCX's uploads are, so neither side hashes the body twice).
			f, _ := os.Open(path)
			start := time.Now()
			_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("direct"), Body: f, ContentLength: aws.Int64(size)},
				s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
			d := time.Since(start)
			f.Close()
			if err != nil {
				return fmt.Errorf("direct put: %w", err)
			}
			best.S3MBps = max(best.S3MBps, float64(size)/(1<<20)/d.Seconds())

			if pid > 0 {
				_ = resetPeak(pid)
			}
			before, _ := peakRSS(pid)
			f, _ = os.Open(path)
			req, _ := http.NewRequest("POST", bcxURL+"/api/v1/binary-data?name=bench", f)
			req.ContentLength = size
			req.Header.Set("X-Auth-Token", token)
			start = time.Now()
			resp, err := http.DefaultClient.Do(req)
			d = time.Since(start)
			f.Close()
			if err != nil {
				return fmt.Errorf("bcx upload: %w", err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 201 {
				return fmt.Errorf("bcx upload: status %d", resp.StatusCode)
			}
			best.BCXMBps = max(best.BCXMBps, float64(size)/(1<<20)/d.Seconds())
			if pid > 0 {
				after, _ := peakRSS(pid)
				best.RSSGrowMiB = max(best.RSSGrowMiB, float64(after-before)/(1<<20))
			}
		}
		best.Ratio = best.BCXMBps / best.S3MBps
		if err := json.NewEncoder(os.Stdout).Encode(best); err != nil {
			return err
		}
	}
	return nil
}
