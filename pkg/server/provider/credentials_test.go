package provider

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"github.com/kaactl/kaactl/internal/testenv"
)

func TestCreateBasic(t *testing.T) {
	p := openProvider(t, t.TempDir())
	ctx := context.Background()
	const pw = "a-password-of-16+bytes"
	tests := []struct {
		name string
		spec BasicSpec
		want error
		msg  string
	}{
		{"ok", BasicSpec{Username: "dev1", Password: pw}, nil, ""},
		{"with client ID", BasicSpec{Username: "dev2", Password: pw, ClientID: "client-2"}, nil, ""},
		{"duplicate", BasicSpec{Username: "dev1", Password: "other-" + pw}, ErrExists, `basic credentials for username "dev1" already exist in tenant "kaa"`},
		{"empty password", BasicSpec{Username: "dev3"}, ErrInvalid, "password is shorter than 16 bytes"},
		{"short password", BasicSpec{Username: "dev3", Password: "fifteen-bytes.."}, ErrInvalid, "password is shorter than 16 bytes"},
		{"long password", BasicSpec{Username: "dev3", Password: strings.Repeat("p", 1025)}, ErrInvalid, "password is longer than 1024 bytes"},
		{"empty username", BasicSpec{Password: pw}, ErrInvalid, "username must be"},
		{"control character", BasicSpec{Username: "a\nb", Password: pw}, ErrInvalid, "username must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := p.CreateBasicWith(ctx, testTenant, tt.spec)
			if !checkErr(t, err, tt.want, tt.msg) {
				if tt.spec.Password != "" && strings.Contains(err.Error(), tt.spec.Password) {
					t.Errorf("message %q shows the password", err)
				}
				return
			}
			wantClient := tt.spec.ClientID
			if wantClient == "" {
				wantClient = tt.spec.Username
			}
			if cred.ID == "" || cred.Username != tt.spec.Username || cred.ClientID != wantClient || cred.Status != StatusActive || cred.Tenant != testTenant {
				t.Errorf("credentials %+v", cred)
			}
		})
	}
	// Usernames are per tenant.
	if _, err := p.CreateBasic(ctx, "other", "dev1", pw); err != nil {
		t.Errorf("same username in another tenant: %v", err)
	}
	list, err := p.ListBasic(ctx, testTenant)
	if err != nil || len(list) != 2 || list[0].Username != "dev1" || list[1].Username != "dev2" {
		t.Fatalf("list %+v, %v", list, err)
	}
	if err := p.RevokeBasic(ctx, testTenant, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	if err := p.RevokeBasic(ctx, "other", list[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke another tenant's: %v", err)
	}
}

func TestAddCert(t *testing.T) {
	p := openProvider(t, t.TempDir())
	ctx := context.Background()
	ca := testenv.NewCA(t, "Test CA")
	dev1, dev2 := ca.Issue(t, "device-1", 987654321), ca.Issue(t, "device-2", 5)
	certPEM, cert, cert2PEM := dev1.PEM, dev1.Cert, dev2.PEM
	got, err := p.AddCert(ctx, testTenant, certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if got.Issuer != cert.Issuer.String() || got.Serial != "987654321" || got.Subject != "CN=device-1" || got.NotAfter == nil || got.Status != StatusActive {
		t.Errorf("credentials %+v", got)
	}
	tests := []struct {
		name    string
		pem     string
		issuer  string
		serial  string
		want    error
		wantMsg string
	}{
		{"same certificate", string(certPEM), "", "", ErrExists, "is already registered"},
		{"same by serial", "", cert.Issuer.String(), "0987654321", ErrExists, "is already registered"},
		{"not PEM", "hello", "", "", ErrInvalid, "no PEM CERTIFICATE block found"},
		{"key only", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "", "", ErrInvalid, "no PEM CERTIFICATE block found"},
		{"garbage DER", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "", "", ErrInvalid, "cannot parse certificate"},
		{"by serial", "", "CN=Other CA", "42", nil, ""},
		{"certificate after a key", "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n" + string(cert2PEM), "", "", nil, ""},
		{"negative serial", "", "CN=Other CA", "-42", ErrInvalid, `serial "-42" is not a non-negative base-10 integer`},
		{"hex serial", "", "CN=Other CA", "0x2a", ErrInvalid, "is not a non-negative base-10 integer"},
		{"empty issuer", "", "", "42", ErrInvalid, "issuer must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.pem != "" {
				_, err = p.AddCert(ctx, testTenant, []byte(tt.pem))
			} else {
				_, err = p.AddCertBySerial(ctx, testTenant, tt.issuer, tt.serial)
			}
			checkErr(t, err, tt.want, tt.wantMsg)
		})
	}
	list, err := p.ListCerts(ctx, testTenant)
	if err != nil || len(list) != 3 {
		t.Fatalf("list %+v, %v", list, err)
	}
	// A revoked certificate can be registered again.
	if err := p.RevokeCert(ctx, testTenant, got.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddCert(ctx, testTenant, certPEM); err != nil {
		t.Fatalf("re-register after revoke: %v", err)
	}
	if _, ok, err := p.authenticateCert(cert.Issuer.String(), "987654321"); err != nil || !ok {
		t.Errorf("re-registered certificate does not authenticate: %v", err)
	}
	if err := p.RevokeCert(ctx, testTenant, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	if empty, err := p.ListCerts(ctx, "other"); err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("certs of a tenant without any: %#v, %v", empty, err)
	}
}

// TestPasswordHashes: new passwords get a salted fast hash (never the
// password, never the same hash twice); a store holding a legacy bcrypt
// hash still authenticates, and the first success replaces it.
func TestPasswordHashes(t *testing.T) {
	p := startProvider(t, Options{DataDir: t.TempDir()})
	ctx := context.Background()
	const password = "machine-generated-password"
	stored := func(id string) []byte {
		t.Helper()
		var h []byte
		err := p.db.View(func(tx *bolt.Tx) error {
			rec, _, err := getJSON[basicRecord](tx.Bucket(bucketBasic), key(testTenant, id))
			h = rec.PasswordHash
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a, err := p.CreateBasic(ctx, testTenant, "a", password)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.CreateBasic(ctx, testTenant, "b", password)
	if err != nil {
		t.Fatal(err)
	}
	ha, hb := stored(a.ID), stored(b.ID)
	if !bytes.HasPrefix(ha, []byte(hashPrefix)) || bytes.Equal(ha, hb) || bytes.Contains(ha, []byte(password)) {
		t.Fatalf("hashes %q and %q of one password", ha, hb)
	}
	for _, tt := range []struct {
		user, password string
		want           bool
	}{{"a", password, true}, {"a", password + "x", false}, {"a", "", false}, {"nobody", password, false}} {
		if _, ok, err := p.authenticateBasic(testTenant, tt.user, tt.password); err != nil || ok != tt.want {
			t.Errorf("authenticate %s: %v %v, want %v", tt.user, ok, err, tt.want)
		}
	}

	// A legacy record, as a store written before the fast hash holds it.
	legacy, err := bcrypt.GenerateFromPassword([]byte("short-legacy"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	err = p.db.Update(func(tx *bolt.Tx) error {
		rec, _, err := getJSON[basicRecord](tx.Bucket(bucketBasic), key(testTenant, b.ID))
		if err != nil {
			return err
		}
		rec.PasswordHash = legacy
		return putJSON(tx.Bucket(bucketBasic), key(testTenant, b.ID), rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := p.authenticateBasic(testTenant, "b", "wrong-legacy"); ok || !bytes.Equal(stored(b.ID), legacy) {
		t.Fatal("a wrong password matched or replaced the legacy hash")
	}
	if _, ok, err := p.authenticateBasic(testTenant, "b", "short-legacy"); !ok || err != nil {
		t.Fatalf("legacy bcrypt hash: %v %v", ok, err)
	}
	if h := stored(b.ID); !bytes.HasPrefix(h, []byte(hashPrefix)) {
		t.Fatalf("legacy hash not upgraded: %q", h)
	}
	if _, ok, _ := p.authenticateBasic(testTenant, "b", "short-legacy"); !ok {
		t.Fatal("upgraded hash does not match")
	}
}
