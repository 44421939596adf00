package bcx

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TokenClaims is what an upload token says: who may upload, until when.
type TokenClaims struct {
	App        string `json:"a"`
	EndpointID string `json:"e"`
	Expires    int64  `json:"x"`           // unix seconds
	Issued     int64  `json:"i,omitempty"` // unix milliseconds; tokens of older replicas have none (0)
}

// MinKeySize is the smallest accepted HMAC key.
const MinKeySize = 32

const tokenVersion = "v1"

// TokenSigner issues and checks upload tokens. Tokens are stateless
// (HMAC-SHA256 over the claims), so any replica holding the key verifies any
// replica's tokens and nothing is shared but the key.
type TokenSigner struct {
	key []byte
}

// NewTokenSigner takes the HMAC key.
func NewTokenSigner(key []byte) (*TokenSigner, error) {
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("token key of %d bytes is shorter than %d", len(key), MinKeySize)
	}
	return &TokenSigner{key: bytes.Clone(key)}, nil
}

func (s *TokenSigner) mac(msg string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// Sign returns the token for claims: v1.<claims>.<mac>, base64url.
func (s *TokenSigner) Sign(c TokenClaims) string {
	body, _ := json.Marshal(c)
	msg := tokenVersion + "." + base64.RawURLEncoding.EncodeToString(body)
	return msg + "." + base64.RawURLEncoding.EncodeToString(s.mac(msg))
}

// Verify checks a token's signature (in constant time) and expiry.
func (s *TokenSigner) Verify(token string, now time.Time) (TokenClaims, error) {
	var c TokenClaims
	if len(token) > 4096 {
		return c, fmt.Errorf("%w: too long", ErrTokenInvalid)
	}
	i := strings.LastIndexByte(token, '.')
	if i < 0 || !strings.HasPrefix(token, tokenVersion+".") {
		return c, fmt.Errorf("%w: not a v1 token", ErrTokenInvalid)
	}
	msg, sig := token[:i], token[i+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(msg)) {
		return c, fmt.Errorf("%w: bad signature", ErrTokenInvalid)
	}
	body, err := base64.RawURLEncoding.DecodeString(msg[len(tokenVersion)+1:])
	if err != nil || json.Unmarshal(body, &c) != nil || c.App == "" || c.EndpointID == "" {
		return TokenClaims{}, fmt.Errorf("%w: bad claims", ErrTokenInvalid)
	}
	if now.Unix() >= c.Expires {
		return TokenClaims{}, fmt.Errorf("%w: expired at %s", ErrTokenExpired, time.Unix(c.Expires, 0).UTC().Format(time.RFC3339))
	}
	return c, nil
}

// LoadOrCreateKey reads a hex HMAC key from path. If the file does not exist
// and create is set, a random key is generated and written with mode 0600
// (standalone mode); replicas must share one key file instead.
func LoadOrCreateKey(path string, create bool) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(data)))
		if err != nil {
			return nil, fmt.Errorf("token key %s: not hex: %w", path, err)
		}
		if len(key) < MinKeySize {
			return nil, fmt.Errorf("token key %s: %d bytes, need at least %d", path, len(key), MinKeySize)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) || !create {
		return nil, fmt.Errorf("token key: %w", err)
	}
	key := make([]byte, MinKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race: use its key
			return LoadOrCreateKey(path, false)
		}
		return nil, fmt.Errorf("token key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("token key: %w", err)
	}
	return key, f.Close()
}
