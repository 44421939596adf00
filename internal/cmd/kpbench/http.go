package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// httpLoad posts 1/KP requests to KPC's HTTP listener: one keep-alive
// HTTP/1.1 connection per client, one request in flight on each.
func httpLoad(c config) error {
	payload := []byte(strings.Repeat("x", c.size))
	clients := make([]*http.Client, c.clients)
	for i := range clients {
		clients[i] = &http.Client{Timeout: c.timeout, Transport: &http.Transport{
			MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DisableCompression: true, ForceAttemptHTTP2: false,
		}}
	}
	r := closedLoop(c, c.clients, func(slot, _ int) error {
		url := fmt.Sprintf("http://%s/kp1/%s/%s/tok-%d/ping", c.addr, c.app, c.ext, slot)
		resp, err := clients[slot].Post(url, "application/octet-stream", bytes.NewReader(payload))
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body) // read to the end, or the connection is not reused
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("POST %s: %s %s", url, resp.Status, bytes.TrimSpace(body))
		}
		return nil
	})
	r.QoS = -1
	for _, cl := range clients {
		cl.CloseIdleConnections()
	}
	return printResult(c, r)
}
