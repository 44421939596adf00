package provider

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Store layout: flat buckets, composite keys joined with a NUL byte (tenant
// IDs, application names and DNs never contain one), values JSON.
var (
	bucketMeta       = []byte("meta")        // "schema" -> schemaVersion
	bucketApps       = []byte("apps")        // app name -> App
	bucketVersions   = []byte("versions")    // app version name -> app name
	bucketEndpoints  = []byte("endpoints")   // app \0 endpoint ID -> endpointRecord
	bucketTokens     = []byte("tokens")      // app \0 sha256(token) -> endpoint ID
	bucketBasic      = []byte("basic")       // tenant \0 credentials ID -> basicRecord
	bucketBasicUsers = []byte("basic-users") // tenant \0 username -> credentials ID (latest)
	bucketCerts      = []byte("certs")       // tenant \0 credentials ID -> CertCredential
	bucketCertIndex  = []byte("cert-index")  // issuer \0 serial -> tenant \0 credentials ID (latest)
	// Added in schema 1 without a change of version: initStore creates it.
	bucketTenantConfig = []byte("tenant-config") // tenant -> TenantConfig

	allBuckets = [][]byte{bucketMeta, bucketApps, bucketVersions, bucketEndpoints, bucketTokens,
		bucketBasic, bucketBasicUsers, bucketCerts, bucketCertIndex, bucketTenantConfig}
)

const schemaVersion = "1"

// endpointRecord is an Endpoint as stored: with the SHA-256 of its token.
type endpointRecord struct {
	Endpoint
	TokenHash []byte `json:"tokenHash"`
}

// basicRecord is a BasicCredential as stored: with its password hash
// (hashPassword's, or a legacy bcrypt one).
type basicRecord struct {
	BasicCredential
	PasswordHash []byte `json:"passwordHash"`
}

func initStore(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get([]byte("schema")); {
		case v == nil:
			return meta.Put([]byte("schema"), []byte(schemaVersion))
		case string(v) != schemaVersion:
			return fmt.Errorf("store schema version %q, this kaactl reads %q", v, schemaVersion)
		}
		return nil
	})
}

// key joins parts with NUL bytes.
func key(parts ...string) []byte {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(p)
	}
	return b.Bytes()
}

// tokenKey is the tokens bucket key of an application's token.
func tokenKey(app, token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return append(key(app, ""), sum[:]...)
}

func getJSON[T any](b *bolt.Bucket, k []byte) (T, bool, error) {
	data := b.Get(k)
	if data == nil {
		var v T
		return v, false, nil
	}
	v, err := decodeJSON[T](k, data)
	return v, err == nil, err
}

// decodeJSON decodes the record data stored under k.
func decodeJSON[T any](k, data []byte) (T, error) {
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("corrupt record %q: %w", k, err)
	}
	return v, nil
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

// list reads the records under prefix in bucket in one read transaction,
// after check (when not nil) passes in it, and returns what the API shows of
// each (public), oldest first: by creation time, then by ID (key).
func list[R, T any](db *storeDB, bucket []byte, prefix string, check func(*bolt.Tx) error, public func(R) T, key func(T) (time.Time, string)) ([]T, error) {
	var recs []R
	err := db.View(func(tx *bolt.Tx) error {
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		var err error
		recs, err = scanPrefix[R](tx.Bucket(bucket), prefix)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(recs))
	for _, r := range recs {
		out = append(out, public(r))
	}
	slices.SortFunc(out, func(a, b T) int {
		at, aid := key(a)
		bt, bid := key(b)
		return cmp.Or(at.Compare(bt), cmp.Compare(aid, bid))
	})
	return out, nil
}

// scanPrefix decodes every value whose key starts with prefix \0.
func scanPrefix[T any](b *bolt.Bucket, prefix string) ([]T, error) {
	var out []T
	pre := key(prefix, "")
	c := b.Cursor()
	for k, data := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, data = c.Next() {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("corrupt record %q: %w", k, err)
		}
		out = append(out, v)
	}
	return out, nil
}
