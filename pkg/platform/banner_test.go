package platform

import "testing"

func TestLocalAddr(t *testing.T) {
	for in, want := range map[string]string{
		"[::]:1883": "localhost:1883", "0.0.0.0:8080": "localhost:8080", ":8090": "localhost:8090",
		"127.0.0.1:8070": "127.0.0.1:8070", "[::1]:1": "[::1]:1", "not an address": "not an address",
	} {
		if got := localAddr(in); got != want {
			t.Errorf("localAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
