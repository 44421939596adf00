package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// S3Server is a versitygw S3 server on loopback, serving a temp directory.
type S3Server struct {
	Endpoint  string // "http://127.0.0.1:PORT"
	AccessKey string
	SecretKey string
	Region    string

	proc *s3Process
}

type s3Process struct {
	t    testing.TB
	bin  string
	addr string
	dir  string
	env  []string

	mu   sync.Mutex
	cmd  *exec.Cmd     // nil when stopped
	done chan struct{} // closed once cmd has exited
	logs []*bytes.Buffer
}

// S3 starts versitygw for the test and stops it in t.Cleanup. A missing
// versitygw fails the test (run scripts/install-test-deps.sh) unless
// KAACTL_SKIP_S3=1, which skips it.
func S3(t testing.TB) S3Server {
	t.Helper()
	if os.Getenv("KAACTL_SKIP_S3") == "1" {
		t.Skip("KAACTL_SKIP_S3=1: skipping the test that needs an S3 server")
	}
	bin, err := findVersitygw()
	if err != nil {
		t.Fatalf("%v: run scripts/install-test-deps.sh to install it (or set KAACTL_SKIP_S3=1 to skip S3 tests)", err)
	}
	dir := filepath.Join(t.TempDir(), "s3")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := S3Server{AccessKey: "kaactl-test", SecretKey: "kaactl-test-secret", Region: "us-east-1"}
	p := &s3Process{
		t:   t,
		bin: bin,
		dir: dir,
		env: append(os.Environ(),
			"ROOT_ACCESS_KEY="+srv.AccessKey,
			"ROOT_SECRET_KEY="+srv.SecretKey,
			"VGW_REGION="+srv.Region,
		),
	}
	// A free port can be taken between our probe and versitygw's bind; a
	// few fresh ports make that harmless.
	for attempt := 0; ; attempt++ {
		p.addr = FreeAddr(t)
		err = p.start()
		if err == nil {
			break
		}
		if attempt == 2 {
			t.Fatalf("start versitygw: %v", err)
		}
	}
	t.Cleanup(p.cleanup)
	srv.Endpoint = "http://" + p.addr
	srv.proc = p
	return srv
}

// Stop kills the server (SIGKILL, like a crash) and waits for it to exit.
func (s S3Server) Stop() { s.proc.stop() }

// Restart starts the server again on the same address and directory.
func (s S3Server) Restart() {
	s.proc.t.Helper()
	s.proc.stop()
	if err := s.proc.start(); err != nil {
		s.proc.t.Fatalf("restart versitygw: %v", err)
	}
}

// Dir is the directory the server keeps buckets in.
func (s S3Server) Dir() string { return s.proc.dir }

func findVersitygw() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	// Where `go install` puts it: GOBIN, else the first GOPATH entry's bin.
	var dirs []string
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) == 2 {
			if gobin := strings.TrimSpace(lines[0]); gobin != "" {
				dirs = append(dirs, gobin)
			}
			for _, p := range filepath.SplitList(strings.TrimSpace(lines[1])) {
				dirs = append(dirs, filepath.Join(p, "bin"))
			}
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("versitygw not found on PATH or in $(go env GOBIN) or $(go env GOPATH)/bin")
}

// start runs versitygw and waits until it answers HTTP.
func (p *s3Process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := new(bytes.Buffer)
	cmd := exec.Command(p.bin, "--port", p.addr, "--quiet", "posix", p.dir)
	cmd.Env = p.env
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(done)
	}()

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-done:
			return fmt.Errorf("versitygw exited: %v\n%s", waitErr, out)
		default:
		}
		// Any HTTP answer (403 to an anonymous request) means it serves.
		if resp, err := client.Get("http://" + p.addr + "/"); err == nil {
			resp.Body.Close()
			p.cmd, p.done = cmd, done
			p.logs = append(p.logs, out)
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("versitygw did not answer on %s within 15s\n%s", p.addr, out)
		}
		time.Sleep(10 * time.Millisecond) // polling for readiness
	}
}

// stop kills the server, if running, and waits until it has exited.
func (p *s3Process) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	p.cmd = nil
}

// cleanup stops the server and shows its output if the test failed.
func (p *s3Process) cleanup() {
	p.stop()
	if p.t.Failed() {
		for i, out := range p.logs {
			p.t.Logf("versitygw output (run %d):\n%s", i+1, out)
		}
	}
}
