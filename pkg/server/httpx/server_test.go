package httpx_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/server/httpx"
	"github.com/kaactl/kaactl/pkg/server/tlsutil"
)

// listenTLS serves "hello" over HTTPS on a free port and returns a client
// that trusts it.
func listenTLS(t *testing.T, o httpx.Options) (*httpx.Server, *http.Client) {
	t.Helper()
	certPEM, keyPEM, err := tlsutil.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	o.Addr, o.TLS = "127.0.0.1:0", tlsutil.ServerConfig(pair)
	o.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello "+r.Proto) })
	s, err := httpx.Listen(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	// ForceAttemptHTTP2: the server must still answer in HTTP/1.1.
	return s, &http.Client{Transport: &http.Transport{TLSClientConfig: testenv.TrustPEM(t, certPEM), ForceAttemptHTTP2: true}}
}

func TestHTTPS(t *testing.T) {
	s, c := listenTLS(t, httpx.Options{})
	if _, body := testenv.HTTP(t, c, http.MethodGet, "https://"+s.Addr()+"/", nil); body != "hello HTTP/1.1" {
		t.Errorf("body %q", body)
	}
}

// TestPlainHTTPToTLSPort: plain HTTP to the HTTPS port is told so at once,
// not left hanging.
func TestPlainHTTPToTLSPort(t *testing.T) {
	s, _ := listenTLS(t, httpx.Options{})
	resp, body := testenv.Get(t, "http://"+s.Addr()+"/")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Client sent an HTTP request to an HTTPS server") {
		t.Errorf("plain HTTP to HTTPS: %d %q", resp.StatusCode, body)
	}
}

// TestSilentTLSClientIsClosed: a client that connects and never says hello
// does not keep its connection (and a goroutine) past the header timeout.
func TestSilentTLSClientIsClosed(t *testing.T) {
	s, _ := listenTLS(t, httpx.Options{ReadHeaderTimeout: 50 * time.Millisecond})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second)) // only so that a failure cannot hang the test
	_, err = bufio.NewReader(c).ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept a silent TLS client open")
	}
	if err == nil {
		t.Fatal("the server sent something to a client that said nothing")
	}
}

func TestDisabledAndBusy(t *testing.T) {
	s, err := httpx.Listen(httpx.Options{})
	if s != nil || err != nil {
		t.Fatalf("empty address: %v, %v", s, err)
	}
	if s.Addr() != "" || s.Shutdown(context.Background()) != nil || s.Close() != nil {
		t.Error("a disabled server did something")
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	if _, err := httpx.Listen(httpx.Options{Addr: taken.Addr().String(), Handler: http.NotFoundHandler()}); err == nil || !strings.Contains(err.Error(), taken.Addr().String()) {
		t.Errorf("busy port: %v", err)
	}
}
