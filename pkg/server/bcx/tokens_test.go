package bcx

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTokenSignVerify(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	s, err := NewTokenSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewTokenSigner([]byte(strings.Repeat("o", 32)))
	now := time.Unix(1_800_000_000, 0)
	claims := TokenClaims{App: "demo", EndpointID: "ep-1", Expires: now.Add(time.Hour).Unix()}
	tok := s.Sign(claims)

	got, err := s.Verify(tok, now)
	if err != nil || got != claims {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	tamper := func(tok string) string { // flip one claim byte
		b := []byte(tok)
		b[5] ^= 1
		return string(b)
	}
	tests := []struct {
		name  string
		token string
		at    time.Time
		want  error
	}{
		{"expired", tok, now.Add(time.Hour), ErrTokenExpired},
		{"other key", other.Sign(claims), now, ErrTokenInvalid},
		{"tampered claims", tamper(tok), now, ErrTokenInvalid},
		{"truncated", tok[:len(tok)-3], now, ErrTokenInvalid},
		{"garbage", "not-a-token", now, ErrTokenInvalid},
		{"empty", "", now, ErrTokenInvalid},
		{"huge", "v1." + strings.Repeat("A", 10000), now, ErrTokenInvalid},
		{"no claims", s.Sign(TokenClaims{Expires: now.Add(time.Hour).Unix()}), now, ErrTokenInvalid},
	}
	for _, tt := range tests {
		if _, err := s.Verify(tt.token, tt.at); !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := NewTokenSigner([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "bcx.key")
	if _, err := LoadOrCreateKey(path, false); err == nil {
		t.Fatal("missing key file accepted without create")
	}
	k1, err := LoadOrCreateKey(path, true)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", st.Mode(), err)
	}
	k2, err := LoadOrCreateKey(path, true)
	if err != nil || string(k1) != string(k2) || len(k1) < MinKeySize {
		t.Fatalf("reload gave a different key: %v", err)
	}
	if err := os.WriteFile(path, []byte("zz"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(path, true); err == nil {
		t.Error("non-hex key accepted")
	}
}

func TestParseRange(t *testing.T) {
	tests := []struct {
		h                   string
		size, start, length int64
		partial, ok         bool
	}{
		{"", 100, 0, 100, false, true},
		{"bytes=0-9", 100, 0, 10, true, true},
		{"bytes=90-", 100, 90, 10, true, true},
		{"bytes=90-200", 100, 90, 10, true, true},
		{"bytes=-5", 100, 95, 5, true, true},
		{"bytes=-500", 100, 0, 100, true, true},
		{"bytes=100-", 100, 0, 0, false, false},
		{"bytes=5-1", 100, 0, 0, false, false},
		{"bytes=x-1", 100, 0, 0, false, false},
		{"bytes=0-1,5-6", 100, 0, 100, false, true},
		{"items=0-1", 100, 0, 100, false, true},
		{"bytes=-0", 100, 0, 0, false, false},
	}
	for _, tt := range tests {
		s, l, p, ok := parseRange(tt.h, tt.size)
		if s != tt.start || l != tt.length || p != tt.partial || ok != tt.ok {
			t.Errorf("parseRange(%q, %d) = %d %d %v %v", tt.h, tt.size, s, l, p, ok)
		}
	}
}
