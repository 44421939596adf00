package platform

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
)

// loadOrCreateToken reads a secret token at path (the admin token, the NATS
// token), creating it (32 random bytes in hex, mode 0600) when the file is
// missing or empty.
func loadOrCreateToken(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, nil
		}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", err
	}
	return token, nil
}
