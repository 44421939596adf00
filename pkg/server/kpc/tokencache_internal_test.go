package kpc

import (
	"fmt"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func ok(endpointID, tokenID string) tokenResult {
	return tokenResult{endpointID: endpointID, tokenID: tokenID, status: 200}
}

func TestTokenCache(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := newTokenCache(3, time.Minute, clock.now)
	miss := func(app, token string) uint64 {
		t.Helper()
		res, gen, hit := c.get(app, token)
		if hit {
			t.Fatalf("%s/%s: hit %+v, want a miss", app, token, res)
		}
		return gen
	}
	hit := func(app, token, endpointID string) {
		t.Helper()
		if res, _, hit := c.get(app, token); !hit || res.endpointID != endpointID {
			t.Fatalf("%s/%s: %+v %v, want a hit of %s", app, token, res, hit, endpointID)
		}
	}

	c.put("app", "tok1", ok("ep1", "t1"), miss("app", "tok1"))
	hit("app", "tok1", "ep1")
	miss("other", "tok1") // per application

	// Expiry: trusted for the TTL, asked again after.
	clock.advance(time.Minute - time.Nanosecond)
	hit("app", "tok1", "ep1")
	clock.advance(time.Nanosecond)
	miss("app", "tok1")
	if c.len() != 0 {
		t.Errorf("expired entry kept: %d entries", c.len())
	}

	// Negative and empty results are not kept.
	for _, res := range []tokenResult{{status: 401}, {status: 403, endpointID: "ep9"}, {status: 200}} {
		c.put("app", "bad", res, miss("app", "bad"))
		miss("app", "bad")
	}

	// The bound holds; the least recently used goes first.
	for i := range 3 {
		tok := fmt.Sprint("tok", i)
		c.put("app", tok, ok(fmt.Sprint("ep", i), fmt.Sprint("t", i)), miss("app", tok))
	}
	hit("app", "tok0", "ep0") // tok1 is now the least recently used
	c.put("app", "tok3", ok("ep3", "t3"), miss("app", "tok3"))
	if c.len() != 3 {
		t.Errorf("%d entries, want the bound 3", c.len())
	}
	miss("app", "tok1")
	hit("app", "tok0", "ep0")
	hit("app", "tok3", "ep3")

	// Revocation by token ID and by endpoint.
	if n := c.revoke("", []string{"t0"}); n != 1 {
		t.Errorf("revoke t0 dropped %d", n)
	}
	miss("app", "tok0")
	if n := c.revoke("ep3", nil); n != 1 {
		t.Errorf("revoke ep3 dropped %d", n)
	}
	miss("app", "tok3")
	hit("app", "tok2", "ep2")

	// A resolution begun before a revocation is not stored after it.
	gen := miss("app", "tok5")
	c.revoke("ep5", []string{"t5"})
	c.put("app", "tok5", ok("ep5", "t5"), gen)
	miss("app", "tok5")

	c.clear()
	miss("app", "tok2")
	if c.len() != 0 || len(c.byTokenID) != 0 || len(c.byEndpoint) != 0 {
		t.Errorf("clear left %d entries, %d token ids, %d endpoints", c.len(), len(c.byTokenID), len(c.byEndpoint))
	}
}

// TestTokenCacheOff: size 0 is no cache, and a nil cache answers nothing.
func TestTokenCacheOff(t *testing.T) {
	c := newTokenCache(0, time.Minute, time.Now)
	if c != nil {
		t.Fatal("size 0 made a cache")
	}
	c.put("app", "tok", ok("ep", "t"), 0)
	if _, _, hit := c.get("app", "tok"); hit {
		t.Error("a nil cache hit")
	}
	c.revoke("ep", nil)
	c.clear()
}
