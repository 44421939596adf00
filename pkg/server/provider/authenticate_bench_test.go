package provider

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkAuthenticateBasic is the provider's share of a basic-auth MQTT
// CONNECT (scripts/bench.sh connect): one check of a right password among
// 10,000 credentials, each already read since the store's last write.
func BenchmarkAuthenticateBasic(b *testing.B) {
	p := openProvider(b, b.TempDir())
	ctx := context.Background()
	const n = 10_000
	users := make([]string, n)
	passwords := make([]string, n)
	p.db.NoSync = true // 10,000 creates, each its own commit
	for i := range n {
		users[i], passwords[i] = fmt.Sprintf("dev-%d", i), fmt.Sprintf("bench-password-%d-0123456789", i)
		if _, err := p.CreateBasic(ctx, testTenant, users[i], passwords[i]); err != nil {
			b.Fatal(err)
		}
	}
	p.db.NoSync = false
	for i := range n { // each credential read once since the last write: a quiet store
		if _, ok, err := p.authenticateBasic(testTenant, users[i], passwords[i]); err != nil || !ok {
			b.Fatalf("authenticate %s: %v %v", users[i], ok, err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, ok, err := p.authenticateBasic(testTenant, users[i%n], passwords[i%n]); err != nil || !ok {
				b.Errorf("authenticate %s: %v %v", users[i%n], ok, err)
				return
			}
			i += 7
		}
	})
}
