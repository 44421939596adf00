package provider

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// CreateApp creates an application of tenant with the given version names
// (default: one version "<name>-v1"). Application and version names are unique
// per deployment.
func (p *Provider) CreateApp(ctx context.Context, tenant, name string, versions []string, autoRegister bool) (App, error) {
	if err := checkCall(ctx, tenant); err != nil {
		return App{}, err
	}
	if err := checkName("application", name); err != nil {
		return App{}, err
	}
	if len(versions) == 0 {
		versions = []string{name + "-v1"}
	}
	for i, v := range versions {
		if err := checkName("application version", v); err != nil {
			return App{}, err
		}
		if slices.Contains(versions[:i], v) {
			return App{}, errorf(ErrInvalid, "application version %q is listed twice", v)
		}
	}
	app := App{Name: name, Tenant: tenant, Versions: slices.Clone(versions), AutoRegister: autoRegister, CreatedAt: now()}
	err := p.db.Update(func(tx *bolt.Tx) error {
		apps := tx.Bucket(bucketApps)
		if old, ok, err := getJSON[App](apps, []byte(name)); err != nil {
			return err
		} else if ok {
			if old.Tenant == tenant {
				return errorf(ErrExists, "application %q already exists in tenant %q", name, tenant)
			}
			return errorf(ErrExists, "application %q already exists (application names are unique per deployment)", name)
		}
		vb := tx.Bucket(bucketVersions)
		for _, v := range versions {
			if owner := vb.Get([]byte(v)); owner != nil {
				return errorf(ErrExists, "application version %q already exists (version names are unique per deployment)", v)
			}
			if err := vb.Put([]byte(v), []byte(name)); err != nil {
				return err
			}
		}
		return putJSON(apps, []byte(name), app)
	})
	if err != nil {
		return App{}, err
	}
	p.log.Info("application created", "tenant", tenant, "app", name, "versions", versions, "auto_register", autoRegister)
	p.appsChanged()
	return app, nil
}

// SetAutoRegister turns auto-registration of tenant's application name on
// or off and returns the application as it is now.
func (p *Provider) SetAutoRegister(ctx context.Context, tenant, name string, on bool) (App, error) {
	if err := checkCall(ctx, tenant); err != nil {
		return App{}, err
	}
	var (
		app     App
		changed bool
	)
	err := p.db.Update(func(tx *bolt.Tx) error {
		var err error
		if app, err = getApp(tx, tenant, name); err != nil {
			return err
		}
		if app.AutoRegister == on {
			return errUnchanged
		}
		app.AutoRegister, changed = on, true
		return putJSON(tx.Bucket(bucketApps), []byte(name), app)
	})
	if err != nil {
		return App{}, err
	}
	if changed {
		p.log.Info("application changed", "tenant", tenant, "app", name, "auto_register", on)
		p.appsChanged()
	}
	return app, nil
}

// appsChanged tells Options.OnAppsChange.
func (p *Provider) appsChanged() {
	if p.opts.OnAppsChange != nil {
		p.opts.OnAppsChange()
	}
}

// AllApps returns the applications of every tenant, by name.
func (p *Provider) AllApps(ctx context.Context) ([]App, error) {
	return p.apps(ctx, func(App) bool { return true })
}

// ListApps returns the applications of tenant by name (none for a tenant
// without applications).
func (p *Provider) ListApps(ctx context.Context, tenant string) ([]App, error) {
	if err := checkCall(ctx, tenant); err != nil {
		return nil, err
	}
	return p.apps(ctx, func(a App) bool { return a.Tenant == tenant })
}

// apps returns the applications keep accepts, by name.
func (p *Provider) apps(ctx context.Context, keep func(App) bool) ([]App, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := []App{}
	err := p.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketApps).ForEach(func(k, v []byte) error {
			var app App
			if err := json.Unmarshal(v, &app); err != nil {
				return fmt.Errorf("corrupt record %q: %w", k, err)
			}
			if keep(app) {
				out = append(out, app)
			}
			return nil
		})
	})
	return out, err
}

// getApp returns tenant's application name, or ErrNotFound (also when the
// application belongs to another tenant).
func getApp(tx *bolt.Tx, tenant, name string) (App, error) {
	app, ok, err := getJSON[App](tx.Bucket(bucketApps), []byte(name))
	if err != nil {
		return App{}, err
	}
	if !ok || app.Tenant != tenant {
		return App{}, errorf(ErrNotFound, "application %q not found in tenant %q", name, tenant)
	}
	return app, nil
}

// CreateEndpoint creates an Inactive endpoint of tenant's application app
// with token ("" generates one) and returns it with its token, which is not
// kept and cannot be shown again.
func (p *Provider) CreateEndpoint(ctx context.Context, tenant, app, token string) (Endpoint, string, error) {
	return p.CreateEndpointWith(ctx, tenant, app, EndpointSpec{Token: token})
}

// CreateEndpointWith is CreateEndpoint with optional metadata.
func (p *Provider) CreateEndpointWith(ctx context.Context, tenant, app string, spec EndpointSpec) (Endpoint, string, error) {
	if err := checkCall(ctx, tenant); err != nil {
		return Endpoint{}, "", err
	}
	token := spec.Token
	if token == "" {
		token = newToken()
	}
	if err := checkToken(token); err != nil {
		return Endpoint{}, "", err
	}
	if spec.Name != "" {
		if err := checkText("endpoint name", spec.Name, 256); err != nil {
			return Endpoint{}, "", err
		}
	}
	var ep Endpoint
	// Batch: concurrent creates (kaactl sim --provision, scripts) share one
	// commit and fsync. The function is safe to run again.
	err := p.db.Batch(func(tx *bolt.Tx) error {
		a, err := getApp(tx, tenant, app)
		if err != nil {
			return err
		}
		rec, err := putEndpoint(tx, a, token, spec.Name, StatusInactive)
		ep = rec.Endpoint
		return err
	})
	if err != nil {
		return Endpoint{}, "", err
	}
	p.log.Debug("endpoint created", "tenant", tenant, "app", app, "endpoint_id", ep.ID, "token_id", ep.TokenID)
	p.counts.created.Add(1)
	return ep, token, nil
}

// putEndpoint stores a new endpoint of app identified by token.
func putEndpoint(tx *bolt.Tx, app App, token, name string, status Status) (endpointRecord, error) {
	tk := tokenKey(app.Name, token)
	tokens := tx.Bucket(bucketTokens)
	if tokens.Get(tk) != nil {
		return endpointRecord{}, errorf(ErrExists, "endpoint token already in use in application %q", app.Name)
	}
	rec := endpointRecord{
		Endpoint: Endpoint{
			ID:        uuid.NewString(),
			TokenID:   uuid.NewString(),
			Tenant:    app.Tenant,
			App:       app.Name,
			Name:      name,
			Status:    status,
			CreatedAt: now(),
		},
		TokenHash: tk[len(app.Name)+1:],
	}
	if err := tokens.Put(tk, []byte(rec.ID)); err != nil {
		return endpointRecord{}, err
	}
	return rec, putJSON(tx.Bucket(bucketEndpoints), key(app.Name, rec.ID), rec)
}

// ListEndpoints returns the endpoints of tenant's application app, oldest
// first, without tokens.
func (p *Provider) ListEndpoints(ctx context.Context, tenant, app string) ([]Endpoint, error) {
	if err := checkCall(ctx, tenant); err != nil {
		return nil, err
	}
	appExists := func(tx *bolt.Tx) error {
		_, err := getApp(tx, tenant, app)
		return err
	}
	return list(p.db, bucketEndpoints, app, appExists, func(r endpointRecord) Endpoint { return r.Endpoint },
		func(e Endpoint) (time.Time, string) { return e.CreatedAt, e.ID })
}

// SetEndpointStatus moves an endpoint to status: Suspended (reversible) or
// Revoked (final) publish the 16/ECAP token revoked event so that KPC closes
// the endpoint's sessions; Active re-activates a suspended endpoint. Setting
// the current status again is a no-op.
func (p *Provider) SetEndpointStatus(ctx context.Context, tenant, app, endpointID string, status Status) error {
	if err := checkCall(ctx, tenant); err != nil {
		return err
	}
	status, err := ParseStatus(string(status))
	if err != nil {
		return err
	}
	if status == StatusInactive {
		return errorf(ErrInvalid, "an endpoint cannot be set back to %s", status)
	}
	var (
		ep      Endpoint
		changed bool
	)
	err = p.db.Update(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, tenant, app); err != nil {
			return err
		}
		eps := tx.Bucket(bucketEndpoints)
		rec, ok, err := getJSON[endpointRecord](eps, key(app, endpointID))
		if err != nil {
			return err
		}
		if !ok {
			return errorf(ErrNotFound, "endpoint %q not found in application %q", endpointID, app)
		}
		ep = rec.Endpoint
		switch {
		case rec.Status == status:
			return errUnchanged
		case rec.Status == StatusRevoked:
			return errorf(ErrInvalid, "endpoint %q is revoked; revocation is final", endpointID)
		}
		rec.Status, changed = status, true
		ep = rec.Endpoint
		return putJSON(eps, key(app, endpointID), rec)
	})
	if err != nil || !changed {
		return err
	}
	p.log.Info("endpoint status changed", "tenant", tenant, "app", app, "endpoint_id", endpointID, "status", status)
	if status == StatusSuspended || status == StatusRevoked {
		return p.publishTokenRevoked(ep)
	}
	return nil
}

// tokenResult is the answer to a 16/ECAP token validation.
type tokenResult struct {
	status int32
	reason string
	ep     Endpoint
}

// tokenAction is what a token validation must write before it can answer.
type tokenAction int

const (
	actionNone     tokenAction = iota
	actionActivate             // first use of an Inactive endpoint
	actionRegister             // unknown token of an auto-registering application
)

// resolveToken validates an endpoint token of application appName: Inactive
// endpoints become Active, and an unknown token of an auto-registering
// application becomes a new Active endpoint.
func (p *Provider) resolveToken(appName, token string) tokenResult {
	var (
		res    tokenResult
		action tokenAction
	)
	err := p.db.View(func(tx *bolt.Tx) error {
		var err error
		res, action, err = lookupToken(tx, appName, token)
		return err
	})
	if err == nil && action != actionNone {
		// Batch: concurrent first uses share one commit. The function may
		// run more than once, so it starts over each time.
		err = p.db.Batch(func(tx *bolt.Tx) error {
			var err error
			res, action, err = lookupToken(tx, appName, token)
			if err != nil {
				return err
			}
			switch action {
			case actionRegister:
				app, _, err := getJSON[App](tx.Bucket(bucketApps), []byte(appName))
				if err != nil {
					return err
				}
				rec, err := putEndpoint(tx, app, token, "", StatusActive)
				res = tokenResult{status: http.StatusOK, ep: rec.Endpoint}
				return err
			case actionActivate:
				eps := tx.Bucket(bucketEndpoints)
				rec, _, err := getJSON[endpointRecord](eps, key(appName, res.ep.ID))
				if err != nil {
					return err
				}
				rec.Status = StatusActive
				res = tokenResult{status: http.StatusOK, ep: rec.Endpoint}
				return putJSON(eps, key(appName, rec.ID), rec)
			}
			return nil
		})
	}
	if err != nil {
		p.log.Error("endpoint token validation failed", "app", appName, "error", err)
		return tokenResult{status: http.StatusInternalServerError, reason: "internal error"}
	}
	switch action {
	case actionActivate:
		p.log.Debug("endpoint activated", "tenant", res.ep.Tenant, "app", appName, "endpoint_id", res.ep.ID)
		p.counts.activated.Add(1)
	case actionRegister:
		p.log.Debug("endpoint auto-registered", "tenant", res.ep.Tenant, "app", appName, "endpoint_id", res.ep.ID, "token_id", res.ep.TokenID)
		p.counts.registered.Add(1)
	}
	return res
}

// lookupToken answers a token validation from the store, or says which write
// the answer needs first (res.ep is then the endpoint to activate).
func lookupToken(tx *bolt.Tx, appName, token string) (tokenResult, tokenAction, error) {
	app, ok, err := getJSON[App](tx.Bucket(bucketApps), []byte(appName))
	if err != nil {
		return tokenResult{}, actionNone, err
	}
	if !ok {
		return tokenResult{status: http.StatusNotFound, reason: "unknown application"}, actionNone, nil
	}
	id := tx.Bucket(bucketTokens).Get(tokenKey(appName, token))
	if id == nil {
		if app.AutoRegister && checkToken(token) == nil {
			return tokenResult{}, actionRegister, nil
		}
		return tokenResult{status: http.StatusUnauthorized, reason: "unknown endpoint token"}, actionNone, nil
	}
	rec, ok, err := getJSON[endpointRecord](tx.Bucket(bucketEndpoints), key(appName, string(id)))
	if err != nil {
		return tokenResult{}, actionNone, err
	}
	if !ok {
		return tokenResult{}, actionNone, fmt.Errorf("token index names missing endpoint %q of application %q", id, appName)
	}
	res := tokenResult{ep: rec.Endpoint}
	switch rec.Status {
	case StatusActive:
		res.status = http.StatusOK
	case StatusInactive:
		return res, actionActivate, nil
	case StatusSuspended:
		res.status, res.reason = http.StatusForbidden, "endpoint suspended"
	default:
		res.status, res.reason = http.StatusUnauthorized, "endpoint token revoked"
	}
	return res, actionNone, nil
}

// newToken returns 32 random bytes, base64url without padding.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
