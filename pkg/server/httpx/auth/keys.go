package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// issuerKeys holds the signing keys of one trusted issuer, found by OIDC discovery and fetched lazily.
type issuerKeys struct {
	issuer  string
	client  *http.Client
	refresh time.Duration // least time between fetches
	maxAge  time.Duration // keys older than this are refetched, so a key the issuer dropped stops working
	log     *slog.Logger
	now     func() time.Time

	// fetching is a one-slot semaphore: one discovery+JWKS fetch at a time, and waiters can give up.
	fetching chan struct{}

	mu       sync.RWMutex
	keys     []jose.JSONWebKey
	fetched  time.Time // when the last fetch finished, successful or not
	fetchErr error     // the last fetch's error, repeated until the refresh interval has passed
}

func newIssuerKeys(issuer string, client *http.Client, refresh, maxAge time.Duration, log *slog.Logger, now func() time.Time) *issuerKeys {
	return &issuerKeys{
		now:      now,
		issuer:   issuer,
		client:   client,
		refresh:  refresh,
		maxAge:   maxAge,
		log:      log,
		fetching: make(chan struct{}, 1),
	}
}

// lookup returns the keys that may have signed a token with this kid and alg (a token without kid may match
// several). An unknown kid triggers a refetch, at most once per refresh interval; an empty result means the
// key is unknown.
func (k *issuerKeys) lookup(ctx context.Context, kid string, alg string) ([]jose.JSONWebKey, error) {
	m, stale := k.cached(kid, alg)
	switch {
	case len(m) > 0 && !stale:
		return m, nil
	case len(m) > 0:
		// Stale keys that fit: refresh unless someone already is, but never wait for a slow issuer.
		select {
		case k.fetching <- struct{}{}:
		default:
			return m, nil
		}
	default:
		select {
		case k.fetching <- struct{}{}:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrIssuerUnavailable, ctx.Err())
		}
	}
	defer func() { <-k.fetching }()

	// Another request may have fetched while we waited.
	m, stale = k.cached(kid, alg)
	if len(m) > 0 && !stale {
		return m, nil
	}
	k.mu.RLock()
	fetched, fetchErr := k.fetched, k.fetchErr
	k.mu.RUnlock()
	if !fetched.IsZero() && k.now().Sub(fetched) < k.refresh {
		if len(m) > 0 || fetchErr == nil {
			return m, nil
		}
		return nil, fetchErr
	}

	keys, err := k.fetch(ctx)
	if err != nil && ctx.Err() != nil {
		// The caller gave up; that says nothing about the issuer.
		return nil, err
	}
	k.mu.Lock()
	k.fetched, k.fetchErr = k.now(), err
	if err == nil {
		k.keys = keys
	}
	k.mu.Unlock()
	if err != nil {
		if len(m) > 0 {
			// Stale keys beat no keys while the issuer is unreachable.
			k.log.Warn("keeping stale issuer keys", "issuer", k.issuer, "err", err)
			return m, nil
		}
		return nil, err
	}
	m, _ = k.cached(kid, alg)
	return m, nil
}

// cached returns the cached keys matching kid and alg, and whether the cache is older than maxAge.
func (k *issuerKeys) cached(kid, alg string) (match []jose.JSONWebKey, stale bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	for _, key := range k.keys {
		if (kid == "" || key.KeyID == kid) && (key.Algorithm == "" || key.Algorithm == alg) && keyFits(key.Key, alg) {
			match = append(match, key)
		}
	}
	return match, k.now().Sub(k.fetched) >= k.maxAge
}

// keyFits reports whether key is of the type alg needs, so a kid-less token is not tried against every key.
func keyFits(key any, alg string) bool {
	switch key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		return strings.HasPrefix(alg, "ES")
	case ed25519.PublicKey:
		return alg == string(jose.EdDSA)
	}
	return false
}

// fetch runs discovery and downloads the JWKS; every failure is ErrIssuerUnavailable.
func (k *issuerKeys) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	wellKnown := strings.TrimSuffix(k.issuer, "/") + "/.well-known/openid-configuration"
	if _, err := getJSON(ctx, k.client, wellKnown, &doc); err != nil {
		return nil, fmt.Errorf("%w: discovery: %w", ErrIssuerUnavailable, err)
	}
	if doc.Issuer != k.issuer {
		// As OIDC discovery requires: a document for another issuer must not vouch for this one.
		return nil, fmt.Errorf("%w: discovery document of %q names issuer %q", ErrIssuerUnavailable, k.issuer, doc.Issuer)
	}
	if err := checkURL(doc.JWKSURI); err != nil {
		return nil, fmt.Errorf("%w: discovery: jwks_uri: %w", ErrIssuerUnavailable, err)
	}

	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if _, err := getJSON(ctx, k.client, doc.JWKSURI, &set); err != nil {
		return nil, fmt.Errorf("%w: jwks: %w", ErrIssuerUnavailable, err)
	}
	keys := make([]jose.JSONWebKey, 0, len(set.Keys))
	for _, raw := range set.Keys {
		// Skip, rather than fail on, keys we cannot use: encryption keys, unknown key types, private or
		// symmetric keys.
		var key jose.JSONWebKey
		if json.Unmarshal(raw, &key) != nil || !key.Valid() || !key.IsPublic() || (key.Use != "" && key.Use != "sig") {
			continue
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		k.log.Warn("issuer publishes no usable signing key", "issuer", k.issuer)
	}
	return keys, nil
}
