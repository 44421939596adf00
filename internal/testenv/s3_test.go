package testenv

import (
	"net/http"
	"testing"
	"time"
)

func TestS3StopRestart(t *testing.T) {
	srv := S3(t)
	client := &http.Client{Timeout: 2 * time.Second}
	answers := func() bool {
		resp, err := client.Get(srv.Endpoint + "/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusForbidden // anonymous request
	}
	if !answers() {
		t.Fatalf("versitygw at %s does not answer", srv.Endpoint)
	}
	if srv.AccessKey == "" || srv.SecretKey == "" || srv.Region == "" || srv.Dir() == "" {
		t.Fatalf("incomplete server description: %+v", srv)
	}

	srv.Stop()
	if answers() {
		t.Fatal("versitygw still answers after Stop")
	}
	srv.Stop() // idempotent

	srv.Restart()
	if !answers() {
		t.Fatal("versitygw does not answer after Restart")
	}
	srv.Restart() // from running, too
	if !answers() {
		t.Fatal("versitygw does not answer after a second Restart")
	}
}
