package provider

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"golang.org/x/crypto/bcrypt"
)

// Device passwords are machine-generated secrets, checked on every MQTT
// CONNECT of a fleet: they are hashed with HMAC-SHA256 under a random
// per-credential salt, which costs a microsecond where bcrypt costs ~60 ms
// of CPU (10,000 devices reconnecting would take the provider ten minutes
// of CPU). That is sound only for passwords nobody can guess: a
// minimum length keeps human-chosen short passwords out (see
// docs/ARCHITECTURE.md, Decisions).
const (
	// MinPasswordLen is the shortest password accepted: 16 bytes of random
	// text (e.g. `openssl rand -base64 18`) are 96 bits, out of reach of an
	// offline search of a stolen store even at 10^12 hashes/s.
	MinPasswordLen = 16
	// MaxPasswordLen bounds a password (MQTT allows 64 KiB).
	MaxPasswordLen = 1024
	// maxBcryptPassword is bcrypt's limit: it ignores what lies beyond, so a
	// longer password never matches a legacy hash.
	maxBcryptPassword = 72
	saltLen           = 16
)

// hashPrefix marks the hashes of this scheme: hs256$<salt>$<mac>, base64url.
// Stores written before it hold bcrypt hashes ($2a$...), which still verify
// and are replaced on the first successful use.
const hashPrefix = "hs256$"

// hashPassword returns a new salted hash of password.
func hashPassword(password string) []byte {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt) // never fails (crypto/rand, Go 1.24+)
	return formatHash(salt, macOf(salt, password))
}

func macOf(salt []byte, password string) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(password))
	return m.Sum(nil)
}

func formatHash(salt, mac []byte) []byte {
	enc := base64.RawURLEncoding
	return []byte(hashPrefix + enc.EncodeToString(salt) + "$" + enc.EncodeToString(mac))
}

// passwordHash is a stored hash, parsed once: the salt and MAC of this
// scheme, or a legacy (bcrypt) hash as stored.
type passwordHash struct {
	salt, mac []byte
	bcrypt    []byte // a legacy hash, or garbage that bcrypt refuses
}

func parseHash(hash []byte) passwordHash {
	rest, ok := bytes.CutPrefix(hash, []byte(hashPrefix))
	if !ok {
		return passwordHash{bcrypt: bytes.Clone(hash)}
	}
	enc := base64.RawURLEncoding
	s, m, ok := bytes.Cut(rest, []byte("$"))
	salt, err1 := enc.DecodeString(string(s))
	mac, err2 := enc.DecodeString(string(m))
	if !ok || err1 != nil || err2 != nil || len(mac) != sha256.Size {
		return passwordHash{} // matches nothing
	}
	return passwordHash{salt: salt, mac: mac}
}

// check reports whether password matches h, and whether h is a legacy
// (bcrypt) one that should be replaced. The comparison takes the same time
// however much of the MAC matches.
func (h passwordHash) check(password string) (match, legacy bool) {
	switch {
	case h.bcrypt != nil:
		return len(password) <= maxBcryptPassword && bcrypt.CompareHashAndPassword(h.bcrypt, []byte(password)) == nil, true
	case h.mac == nil:
		return false, false
	}
	return subtle.ConstantTimeCompare(macOf(h.salt, password), h.mac) == 1, false
}
