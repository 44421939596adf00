package provider

import (
	"context"
	"fmt"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestAuthenticateSeesEveryWrite: authentication decodes basic credentials
// through a cache (warmed at start); whatever writes the store, through the
// API or not, the next authentication sees it.
func TestAuthenticateSeesEveryWrite(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	p := openProvider(t, dir)
	a, err := p.CreateBasic(ctx, testTenant, "a", "password-of-a-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateBasic(ctx, testTenant, "b", "password-of-b-0123456789"); err != nil {
		t.Fatal(err)
	}
	auth := func(p *Provider, user, password string, want bool) {
		t.Helper()
		if _, ok, err := p.authenticateBasic(testTenant, user, password); err != nil || ok != want {
			t.Fatalf("authenticate %s: %v %v, want %v", user, ok, err, want)
		}
	}
	auth(p, "a", "password-of-a-0123456789", true) // now decoded and kept
	if err := p.RevokeBasic(ctx, testTenant, a.ID); err != nil {
		t.Fatal(err)
	}
	auth(p, "a", "password-of-a-0123456789", false)

	// A write that knows nothing of the cache: b's hash replaced by c's.
	auth(p, "b", "password-of-b-0123456789", true)
	c, err := p.CreateBasic(ctx, testTenant, "c", "password-of-c-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	var bID string
	err = p.db.Update(func(tx *bolt.Tx) error {
		bID = string(tx.Bucket(bucketBasicUsers).Get(key(testTenant, "b")))
		crec, _, err := getJSON[basicRecord](tx.Bucket(bucketBasic), key(testTenant, c.ID))
		if err != nil {
			return err
		}
		brec, _, err := getJSON[basicRecord](tx.Bucket(bucketBasic), key(testTenant, bID))
		if err != nil {
			return err
		}
		brec.PasswordHash = crec.PasswordHash
		return putJSON(tx.Bucket(bucketBasic), key(testTenant, bID), brec)
	})
	if err != nil {
		t.Fatal(err)
	}
	auth(p, "b", "password-of-b-0123456789", false)
	auth(p, "b", "password-of-c-0123456789", true)

	// A restart warms the cache from the store as it is.
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	p = openProvider(t, dir)
	if n := p.basicCache.len(); n != 3 {
		t.Fatalf("warm cache holds %d records, want 3", n)
	}
	auth(p, "a", "password-of-a-0123456789", false)
	auth(p, "b", "password-of-c-0123456789", true)
	auth(p, "c", "password-of-c-0123456789", true)
}

// TestRecordCacheBounded: a full cache keeps what it has and still answers
// for records it does not hold.
func TestBasicCacheBounded(t *testing.T) {
	p := openProvider(t, t.TempDir())
	p.basicCache = newBasicCache(1)
	ctx := context.Background()
	for _, u := range []string{"a", "b"} {
		if _, err := p.CreateBasic(ctx, testTenant, u, "password-of-"+u+"-0123456789"); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		for _, u := range []string{"a", "b"} {
			if _, ok, err := p.authenticateBasic(testTenant, u, "password-of-"+u+"-0123456789"); err != nil || !ok {
				t.Fatalf("authenticate %s: %v %v", u, ok, err)
			}
		}
	}
	if n := p.basicCache.len(); n != 1 {
		t.Fatalf("cache of 1 holds %d", n)
	}
}

// TestRevokeWhileAuthenticating: once RevokeBasic returns, no check accepts
// the credentials, however many checks ran around it.
func TestRevokeWhileAuthenticating(t *testing.T) {
	p := openProvider(t, t.TempDir())
	ctx := context.Background()
	const password = "password-of-x-0123456789"
	for i := range 20 {
		user := fmt.Sprintf("x%d", i)
		cred, err := p.CreateBasic(ctx, testTenant, user, password)
		if err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, _, err := p.authenticateBasic(testTenant, user, password); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		if err := p.RevokeBasic(ctx, testTenant, cred.ID); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := p.authenticateBasic(testTenant, user, password); ok {
			t.Fatalf("%s accepted after its revocation", user)
		}
		close(stop)
		wg.Wait()
	}
}

// TestAuthenticateFromMemory: once warm, checks open no read transaction
// while nothing writes the store; after a write, a credential is read once
// more and then answered from memory again, with what the write changed.
func TestAuthenticateFromMemory(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	p := openProvider(t, dir)
	for _, u := range []string{"a", "b"} {
		if _, err := p.CreateBasic(ctx, testTenant, u, "password-of-"+u+"-0123456789"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.CreateApp(ctx, testTenant, "app", nil, false); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	p = openProvider(t, dir) // warmed from the store
	reads := func() int { return p.db.Stats().TxN }
	auth := func(user, password string, want bool) {
		t.Helper()
		if _, ok, err := p.authenticateBasic(testTenant, user, password); err != nil || ok != want {
			t.Fatalf("authenticate %s: %v %v, want %v", user, ok, err, want)
		}
	}
	before := reads()
	for range 10 {
		auth("a", "password-of-a-0123456789", true)
		auth("b", "password-of-b-0123456789", true)
		auth("a", "password-of-b-0123456789", false)
	}
	if n := reads() - before; n != 0 {
		t.Fatalf("30 checks of warm credentials opened %d read transactions, want 0", n)
	}

	// Writes that change nothing, as `kaactl up` makes at every start, leave
	// the cache current.
	if _, err := p.SetAutoRegister(ctx, testTenant, "app", false); err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteTenantConfig(ctx, testTenant); err != nil {
		t.Fatal(err)
	}
	before = reads()
	auth("a", "password-of-a-0123456789", true)
	auth("b", "password-of-b-0123456789", true)
	if n := reads() - before; n != 0 {
		t.Fatalf("checks after writes that changed nothing opened %d read transactions, want 0", n)
	}

	// A new password under the same username: the old one is refused at once.
	list, err := p.ListBasic(ctx, testTenant)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.Username == "a" {
			if err := p.RevokeBasic(ctx, testTenant, c.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := p.CreateBasic(ctx, testTenant, "a", "new-password-of-a-0123456789"); err != nil {
		t.Fatal(err)
	}
	before = reads()
	auth("a", "password-of-a-0123456789", false)
	auth("a", "new-password-of-a-0123456789", true)
	auth("b", "password-of-b-0123456789", true)
	if n := reads() - before; n != 2 {
		t.Fatalf("first checks after a write opened %d read transactions, want 2 (one per credential)", n)
	}
	before = reads()
	auth("a", "new-password-of-a-0123456789", true)
	auth("b", "password-of-b-0123456789", true)
	if n := reads() - before; n != 0 {
		t.Fatalf("checks after the re-read opened %d read transactions, want 0", n)
	}

	// A write behind the API's back, through the store handle, is seen too.
	err = p.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBasicUsers).Delete(key(testTenant, "b"))
	})
	if err != nil {
		t.Fatal(err)
	}
	auth("b", "password-of-b-0123456789", false)
}
