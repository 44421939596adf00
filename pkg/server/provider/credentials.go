package provider

import (
	"bytes"
	"cmp"
	"context"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"strings"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// CreateBasic creates basic (username/password) credentials of tenant with
// clientId = username. Usernames are unique per tenant among credentials that
// are not revoked.
func (p *Provider) CreateBasic(ctx context.Context, tenant, username, password string) (BasicCredential, error) {
	return p.CreateBasicWith(ctx, tenant, BasicSpec{Username: username, Password: password})
}

// CreateBasicWith is CreateBasic with an explicit client ID.
func (p *Provider) CreateBasicWith(ctx context.Context, tenant string, spec BasicSpec) (BasicCredential, error) {
	if err := checkCall(ctx, tenant); err != nil {
		return BasicCredential{}, err
	}
	if err := checkText("username", spec.Username, 256); err != nil {
		return BasicCredential{}, err
	}
	switch {
	case len(spec.Password) < MinPasswordLen:
		return BasicCredential{}, errorf(ErrInvalid, "password is shorter than %d bytes: device passwords must be long random strings (e.g. openssl rand -base64 18)", MinPasswordLen)
	case len(spec.Password) > MaxPasswordLen:
		return BasicCredential{}, errorf(ErrInvalid, "password is longer than %d bytes", MaxPasswordLen)
	}
	clientID := cmp.Or(spec.ClientID, spec.Username)
	if err := checkText("client ID", clientID, 256); err != nil {
		return BasicCredential{}, err
	}
	rec := basicRecord{
		BasicCredential: BasicCredential{
			ID:        uuid.NewString(),
			Tenant:    tenant,
			Username:  spec.Username,
			ClientID:  clientID,
			Status:    StatusActive,
			CreatedAt: now(),
		},
		PasswordHash: hashPassword(spec.Password),
	}
	// Batch: concurrent creates share one commit; the function is safe to run again.
	err := p.db.Batch(func(tx *bolt.Tx) error {
		users := tx.Bucket(bucketBasicUsers)
		uk := key(tenant, spec.Username)
		if id := users.Get(uk); id != nil {
			old, ok, err := getJSON[basicRecord](tx.Bucket(bucketBasic), key(tenant, string(id)))
			if err != nil {
				return err
			}
			if ok && old.Status != StatusRevoked {
				return errorf(ErrExists, "basic credentials for username %q already exist in tenant %q", spec.Username, tenant)
			}
		}
		if err := users.Put(uk, []byte(rec.ID)); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bucketBasic), key(tenant, rec.ID), rec)
	})
	if err != nil {
		return BasicCredential{}, err
	}
	p.log.Info("basic credentials created", "tenant", tenant, "credentials_id", rec.ID, "username", rec.Username)
	return rec.BasicCredential, nil
}

// ListBasic returns the basic credentials of tenant, oldest first.
func (p *Provider) ListBasic(ctx context.Context, tenant string) ([]BasicCredential, error) {
	if err := checkCall(ctx, tenant); err != nil {
		return nil, err
	}
	return list(p.db, bucketBasic, tenant, nil, func(r basicRecord) BasicCredential { return r.BasicCredential },
		func(c BasicCredential) (time.Time, string) { return c.CreatedAt, c.ID })
}

// RevokeBasic revokes tenant's basic credentials id (for good) and publishes
// the 22/CAP credentials revoked event. Revoking again is a no-op.
func (p *Provider) RevokeBasic(ctx context.Context, tenant, id string) error {
	return p.SetBasicStatus(ctx, tenant, id, StatusRevoked)
}

// SetBasicStatus moves tenant's basic credentials id to status; see
// setCredentialStatus.
func (p *Provider) SetBasicStatus(ctx context.Context, tenant, id string, status Status) error {
	return setCredentialStatus(ctx, p, tenant, id, status, bucketBasic, "basic", groupBasic, func(r *basicRecord) *Status { return &r.Status })
}

// setCredentialStatus moves the credentials record id of tenant in bucket
// to status: suspended (reversible) or revoked (final) credentials
// authenticate no client, and the move publishes the 22/CAP credentials
// revoked event, which the RFC asks for whenever credentials become
// unusable, so that KPC closes the sessions that used them; active
// re-activates suspended ones. Setting the current status again is a no-op.
func setCredentialStatus[R any](ctx context.Context, p *Provider, tenant, id string, status Status, bucket []byte, kind, group string, field func(*R) *Status) error {
	if err := checkCall(ctx, tenant); err != nil {
		return err
	}
	status, err := ParseStatus(string(status))
	if err != nil {
		return err
	}
	if status == StatusInactive {
		return errorf(ErrInvalid, "credentials cannot be %s (want active, suspended or revoked)", status)
	}
	changed := false
	err = p.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		rec, ok, err := getJSON[R](b, key(tenant, id))
		if err != nil {
			return err
		}
		if !ok {
			return errorf(ErrNotFound, "%s credentials %q not found in tenant %q", kind, id, tenant)
		}
		switch *field(&rec) {
		case status:
			return errUnchanged
		case StatusRevoked:
			return errorf(ErrInvalid, "%s credentials %q are revoked; revocation is final", kind, id)
		}
		*field(&rec), changed = status, true
		return putJSON(b, key(tenant, id), rec)
	})
	if err != nil || !changed {
		return err
	}
	p.log.Info(kind+" credentials status changed", "tenant", tenant, "credentials_id", id, "status", status)
	if status == StatusActive {
		return nil
	}
	return p.publishCredentialsRevoked(group, tenant, id)
}

// authenticateBasic checks a username and password of tenant. Unknown
// usernames, wrong passwords and revoked credentials all cost one hash
// comparison and yield ok == false. A legacy bcrypt hash that matches is
// replaced by a fast one, so that the next check is fast too.
func (p *Provider) authenticateBasic(tenant, username, password string) (cred BasicCredential, ok bool, err error) {
	k := key(tenant, username)
	writes := p.db.writes.Load()
	e := p.basicCache.current(k, writes)
	if e == nil {
		err = p.db.View(func(tx *bolt.Tx) error {
			var data []byte
			if id := tx.Bucket(bucketBasicUsers).Get(k); id != nil {
				data = tx.Bucket(bucketBasic).Get(key(tenant, string(id)))
			}
			if data == nil {
				p.basicCache.drop(k) // deleted since it was kept
				return nil
			}
			var err error
			e, err = p.basicCache.get(k, data, writes)
			return err
		})
		if err != nil {
			return BasicCredential{}, false, err
		}
	}
	hash := p.dummyHash
	if e != nil {
		hash = e.hash
	}
	match, legacy := hash.check(password)
	if e == nil {
		return BasicCredential{}, false, nil
	}
	ok = match && e.rec.Status == StatusActive
	if ok && legacy {
		p.upgradeHash(e.rec, password)
	}
	return e.rec.BasicCredential, ok, nil
}

// upgradeHash replaces the legacy hash of rec with a fast one, unless the
// record changed meanwhile. A failure only costs the next check its speed.
func (p *Provider) upgradeHash(rec basicRecord, password string) {
	newHash := hashPassword(password)
	k := key(rec.Tenant, rec.ID)
	err := p.db.Batch(func(tx *bolt.Tx) error {
		cur, ok, err := getJSON[basicRecord](tx.Bucket(bucketBasic), k)
		if err != nil || !ok || !bytes.Equal(cur.PasswordHash, rec.PasswordHash) {
			return err
		}
		cur.PasswordHash = newHash
		return putJSON(tx.Bucket(bucketBasic), k, cur)
	})
	if err != nil {
		p.log.Warn("password hash not upgraded", "tenant", rec.Tenant, "credentials_id", rec.ID, "error", err)
		return
	}
	p.log.Info("password hash upgraded from bcrypt", "tenant", rec.Tenant, "credentials_id", rec.ID)
}

// AddCert registers the X.509 certificate in pemData (its first CERTIFICATE
// block) as client credentials of tenant, matched by issuer DN and serial.
func (p *Provider) AddCert(ctx context.Context, tenant string, pemData []byte) (CertCredential, error) {
	if err := checkCall(ctx, tenant); err != nil {
		return CertCredential{}, err
	}
	cert, err := parseCertPEM(pemData)
	if err != nil {
		return CertCredential{}, err
	}
	notAfter := cert.NotAfter.UTC()
	return p.addCert(CertCredential{
		Tenant:   tenant,
		Issuer:   cert.Issuer.String(),
		Serial:   cert.SerialNumber.String(),
		Subject:  cert.Subject.String(),
		NotAfter: &notAfter,
	})
}

// AddCertBySerial registers X.509 client credentials of tenant by issuer DN
// (as Go's pkix.Name.String formats it, RFC 2253) and base-10 serial number.
func (p *Provider) AddCertBySerial(ctx context.Context, tenant, issuer, serial string) (CertCredential, error) {
	if err := checkCall(ctx, tenant); err != nil {
		return CertCredential{}, err
	}
	issuer = strings.TrimSpace(issuer)
	if err := checkText("issuer", issuer, 4096); err != nil {
		return CertCredential{}, err
	}
	n, ok := parseSerial(serial)
	if !ok {
		return CertCredential{}, errorf(ErrInvalid, "serial %q is not a non-negative base-10 integer", serial)
	}
	return p.addCert(CertCredential{Tenant: tenant, Issuer: issuer, Serial: n})
}

func (p *Provider) addCert(c CertCredential) (CertCredential, error) {
	c.ID, c.Status, c.CreatedAt = uuid.NewString(), StatusActive, now()
	// Batch: concurrent adds share one commit; the function is safe to run again.
	err := p.db.Batch(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketCertIndex)
		ik := key(c.Issuer, c.Serial)
		if ref := idx.Get(ik); ref != nil {
			old, ok, err := getJSON[CertCredential](tx.Bucket(bucketCerts), ref)
			if err != nil {
				return err
			}
			if ok && old.Status != StatusRevoked {
				return errorf(ErrExists, "certificate with issuer %q and serial %s is already registered", c.Issuer, c.Serial)
			}
		}
		ck := key(c.Tenant, c.ID)
		if err := idx.Put(ik, ck); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bucketCerts), ck, c)
	})
	if err != nil {
		return CertCredential{}, err
	}
	p.log.Info("x509 credentials created", "tenant", c.Tenant, "credentials_id", c.ID, "issuer", c.Issuer, "serial", c.Serial)
	return c, nil
}

// ListCerts returns the X.509 credentials of tenant, oldest first.
func (p *Provider) ListCerts(ctx context.Context, tenant string) ([]CertCredential, error) {
	if err := checkCall(ctx, tenant); err != nil {
		return nil, err
	}
	return list(p.db, bucketCerts, tenant, nil, func(c CertCredential) CertCredential { return c },
		func(c CertCredential) (time.Time, string) { return c.CreatedAt, c.ID })
}

// RevokeCert revokes tenant's X.509 credentials id (for good) and publishes
// the 22/CAP credentials revoked event. Revoking again is a no-op.
func (p *Provider) RevokeCert(ctx context.Context, tenant, id string) error {
	return p.SetCertStatus(ctx, tenant, id, StatusRevoked)
}

// SetCertStatus moves tenant's X.509 credentials id to status; see
// setCredentialStatus.
func (p *Provider) SetCertStatus(ctx context.Context, tenant, id string, status Status) error {
	return setCredentialStatus(ctx, p, tenant, id, status, bucketCerts, "x509", groupCertificate, func(c *CertCredential) *Status { return &c.Status })
}

// authenticateCert finds the active credentials of a certificate.
func (p *Provider) authenticateCert(issuer, serial string) (CertCredential, bool, error) {
	n, ok := parseSerial(serial)
	if !ok {
		return CertCredential{}, false, nil
	}
	var (
		c     CertCredential
		found bool
	)
	err := p.db.View(func(tx *bolt.Tx) error {
		ref := tx.Bucket(bucketCertIndex).Get(key(strings.TrimSpace(issuer), n))
		if ref == nil {
			return nil
		}
		var err error
		c, found, err = getJSON[CertCredential](tx.Bucket(bucketCerts), ref)
		return err
	})
	return c, found && c.Status == StatusActive, err
}

// parseCertPEM returns the certificate of the first CERTIFICATE block.
func parseCertPEM(data []byte) (*x509.Certificate, error) {
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errorf(ErrInvalid, "no PEM CERTIFICATE block found")
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, errorf(ErrInvalid, "cannot parse certificate: %v", err)
		}
		return cert, nil
	}
}

// parseSerial normalises a base-10 serial number ("007" → "7").
func parseSerial(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 100 || strings.ContainsAny(s, "+-") {
		return "", false
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return "", false
	}
	return n.String(), true
}
