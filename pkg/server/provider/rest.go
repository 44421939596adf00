package provider

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kaactl/kaactl/pkg/api"
)

// maxBody bounds REST request bodies.
const maxBody = 1 << 20

// restError is the JSON body of every REST error.
type restError = api.Error

// restHandler serves the management REST API: every call but GET /health
// needs the admin bearer token, checked before routing so that unknown paths
// reveal nothing either.
func (p *Provider) restHandler() http.Handler {
	mux := http.NewServeMux()
	const (
		tenant = "/api/v1/tenants/{tenant}"
		apps   = tenant + "/applications"
		eps    = apps + "/{app}/endpoints"
		basic  = tenant + "/credentials/basic"
		x509   = tenant + "/credentials/x509"
	)
	mux.HandleFunc("GET /health", p.getHealth)
	mux.HandleFunc("POST "+apps, p.postApp)
	mux.HandleFunc("GET "+apps, getOfTenant(p, p.ListApps))
	mux.HandleFunc("POST "+eps, p.postEndpoint)
	mux.HandleFunc("GET "+eps, p.getEndpoints)
	mux.HandleFunc("POST "+eps+"/delete", p.postEndpointsDelete)
	mux.HandleFunc("DELETE "+eps+"/{id}", p.deleteEndpoint)
	mux.HandleFunc("POST "+eps+"/{id}/status", p.postEndpointStatus)
	mux.HandleFunc("POST "+basic, p.postBasic)
	mux.HandleFunc("GET "+basic, getOfTenant(p, p.ListBasic))
	mux.HandleFunc("POST "+basic+"/{id}/revoke", revokeOfTenant(p, p.RevokeBasic))
	mux.HandleFunc("POST "+basic+"/{id}/status", statusOfTenant(p, p.SetBasicStatus))
	mux.HandleFunc("POST "+x509, p.postCert)
	mux.HandleFunc("GET "+x509, getOfTenant(p, p.ListCerts))
	mux.HandleFunc("POST "+x509+"/{id}/revoke", revokeOfTenant(p, p.RevokeCert))
	mux.HandleFunc("POST "+x509+"/{id}/status", statusOfTenant(p, p.SetCertStatus))
	mux.HandleFunc("GET "+tenant+"/config", getOfTenant(p, p.GetTenantConfig))
	mux.HandleFunc("PUT "+tenant+"/config", p.putTenantConfig)
	mux.HandleFunc("DELETE "+tenant+"/config", p.deleteTenantConfig)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// Reached when no route matches path and method: tell which.
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s", r.Method, r.URL.Path))
			return
		}
		writeError(w, http.StatusNotFound, "no such resource: "+r.URL.Path)
	})
	wantSum := sha256.Sum256([]byte(p.opts.AdminToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !((r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Path == "/health") {
			tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			// Hash both sides: equal lengths, so the comparison's time says
			// nothing about the token.
			gotSum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
			if !ok || subtle.ConstantTimeCompare(gotSum[:], wantSum[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="kaactl provider"`)
				reason := "missing bearer token"
				if ok {
					reason = "invalid admin token"
				}
				writeError(w, http.StatusUnauthorized, reason)
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, reason string) {
	writeJSON(w, status, restError{StatusCode: status, ReasonPhrase: reason})
}

// writeStoreError answers a store operation's error: the sentinel errors map
// to their status codes with the error's own message; anything else is a
// 500 whose details go to the log only.
func (p *Provider) writeStoreError(w http.ResponseWriter, r *http.Request, err error) {
	status := api.StatusOf(err)
	if status == http.StatusInternalServerError {
		p.log.Error("rest call failed", "method", r.Method, "path", r.URL.Path, "error", err)
		writeError(w, status, "internal error")
		return
	}
	writeError(w, status, err.Error())
}

// respond answers a store call: its error (see writeStoreError), or else v
// as JSON with status, or only status when v is nil.
func (p *Provider) respond(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	switch {
	case err != nil:
		p.writeStoreError(w, r, err)
	case v == nil:
		w.WriteHeader(status)
	default:
		writeJSON(w, status, v)
	}
}

// decodeBody reads one JSON object into v: at most maxBody bytes, no unknown
// fields, nothing after it. An empty body leaves v alone when emptyOK.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, emptyOK bool) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) && emptyOK {
		return true
	}
	if err == nil {
		if _, extra := dec.Token(); !errors.Is(extra, io.EOF) {
			err = errors.New("unexpected data after the JSON object")
		}
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", maxBody))
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, "request body is empty (want a JSON object)")
	default:
		writeError(w, http.StatusBadRequest, "malformed JSON request body: "+err.Error())
	}
	return false
}

// getOfTenant answers a GET with what get returns for the path's tenant.
func getOfTenant[T any](p *Provider, get func(ctx context.Context, tenant string) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := get(r.Context(), r.PathValue("tenant"))
		p.respond(w, r, http.StatusOK, v, err)
	}
}

// revokeOfTenant answers a POST .../{id}/revoke: revoke of the path's
// tenant and ID, 204 when done.
func revokeOfTenant(p *Provider, revoke func(ctx context.Context, tenant, id string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := revoke(r.Context(), r.PathValue("tenant"), r.PathValue("id"))
		p.respond(w, r, http.StatusNoContent, nil, err)
	}
}

// statusOfTenant answers a POST .../{id}/status ({"status": "suspended"}):
// set of the path's tenant and ID, 204 when done.
func statusOfTenant(p *Provider, set func(ctx context.Context, tenant, id string, st Status) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body api.StatusSpec
		if !decodeBody(w, r, &body, false) {
			return
		}
		st, err := ParseStatus(body.Status)
		if err == nil {
			err = set(r.Context(), r.PathValue("tenant"), r.PathValue("id"), st)
		}
		p.respond(w, r, http.StatusNoContent, nil, err)
	}
}

func (p *Provider) getHealth(w http.ResponseWriter, _ *http.Request) {
	if nc := p.conn(); nc == nil || !nc.IsConnected() {
		writeError(w, http.StatusServiceUnavailable, "nats unavailable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (p *Provider) postApp(w http.ResponseWriter, r *http.Request) {
	var body api.AppSpec
	if !decodeBody(w, r, &body, false) {
		return
	}
	app, err := p.CreateApp(r.Context(), r.PathValue("tenant"), body.Name, body.Versions, body.AutoRegister)
	p.respond(w, r, http.StatusCreated, app, err)
}

func (p *Provider) postEndpoint(w http.ResponseWriter, r *http.Request) {
	var spec EndpointSpec
	if !decodeBody(w, r, &spec, true) {
		return
	}
	ep, token, err := p.CreateEndpointWith(r.Context(), r.PathValue("tenant"), r.PathValue("app"), spec)
	p.respond(w, r, http.StatusCreated, CreatedEndpoint{Endpoint: ep, Token: token}, err)
}

// getEndpoints lists every endpoint, or one page of them with ?limit= (and
// ?offset=), saying how many there are in the X-Total-Count header.
func (p *Provider) getEndpoints(w http.ResponseWriter, r *http.Request) {
	tenant, app, q := r.PathValue("tenant"), r.PathValue("app"), r.URL.Query()
	var (
		eps []Endpoint
		err error
	)
	if q.Has("limit") || q.Has("offset") {
		limit, lerr := strconv.Atoi(cmp.Or(q.Get("limit"), strconv.Itoa(MaxPageSize)))
		offset, oerr := strconv.Atoi(cmp.Or(q.Get("offset"), "0"))
		if lerr != nil || oerr != nil {
			writeError(w, http.StatusBadRequest, "limit and offset must be whole numbers")
			return
		}
		var total int
		if eps, total, err = p.ListEndpointsPage(r.Context(), tenant, app, offset, limit); err == nil {
			w.Header().Set(api.TotalCountHeader, strconv.Itoa(total))
		}
	} else {
		eps, err = p.ListEndpoints(r.Context(), tenant, app)
	}
	p.respond(w, r, http.StatusOK, eps, err)
}

func (p *Provider) deleteEndpoint(w http.ResponseWriter, r *http.Request) {
	err := p.DeleteEndpoint(r.Context(), r.PathValue("tenant"), r.PathValue("app"), r.PathValue("id"))
	p.respond(w, r, http.StatusNoContent, nil, err)
}

// postEndpointsDelete deletes endpoints in bulk: the listed IDs, or all.
func (p *Provider) postEndpointsDelete(w http.ResponseWriter, r *http.Request) {
	var body api.DeleteEndpointsSpec
	if !decodeBody(w, r, &body, false) {
		return
	}
	var (
		n   int
		err error
	)
	tenant, app := r.PathValue("tenant"), r.PathValue("app")
	switch {
	case body.All && len(body.EndpointIDs) > 0:
		err = errorf(ErrInvalid, "give either endpointIds or all, not both")
	case body.All:
		n, err = p.DeleteAllEndpoints(r.Context(), tenant, app)
	case len(body.EndpointIDs) > 0:
		n, err = p.DeleteEndpoints(r.Context(), tenant, app, body.EndpointIDs)
	default:
		err = errorf(ErrInvalid, "give endpointIds, or all: true")
	}
	p.respond(w, r, http.StatusOK, api.DeletedEndpoints{Deleted: n}, err)
}

func (p *Provider) postEndpointStatus(w http.ResponseWriter, r *http.Request) {
	var body api.StatusSpec
	if !decodeBody(w, r, &body, false) {
		return
	}
	st, err := ParseStatus(body.Status)
	if err == nil {
		err = p.SetEndpointStatus(r.Context(), r.PathValue("tenant"), r.PathValue("app"), r.PathValue("id"), st)
	}
	p.respond(w, r, http.StatusNoContent, nil, err)
}

func (p *Provider) postBasic(w http.ResponseWriter, r *http.Request) {
	var spec BasicSpec
	if !decodeBody(w, r, &spec, false) {
		return
	}
	cred, err := p.CreateBasicWith(r.Context(), r.PathValue("tenant"), spec)
	p.respond(w, r, http.StatusCreated, cred, err)
}

func (p *Provider) postCert(w http.ResponseWriter, r *http.Request) {
	var body api.CertSpec
	if !decodeBody(w, r, &body, false) {
		return
	}
	var (
		cred CertCredential
		err  error
	)
	switch {
	case body.PEM != "" && (body.Issuer != "" || body.Serial != ""):
		err = errorf(ErrInvalid, "give either pem or issuer and serial, not both")
	case body.PEM != "":
		cred, err = p.AddCert(r.Context(), r.PathValue("tenant"), []byte(body.PEM))
	case body.Issuer != "" || body.Serial != "":
		cred, err = p.AddCertBySerial(r.Context(), r.PathValue("tenant"), body.Issuer, body.Serial)
	default:
		err = errorf(ErrInvalid, "give pem, or issuer and serial")
	}
	p.respond(w, r, http.StatusCreated, cred, err)
}

func (p *Provider) putTenantConfig(w http.ResponseWriter, r *http.Request) {
	var cfg TenantConfig
	if !decodeBody(w, r, &cfg, false) {
		return
	}
	err := p.SetTenantConfig(r.Context(), r.PathValue("tenant"), cfg)
	p.respond(w, r, http.StatusOK, cfg, err)
}

func (p *Provider) deleteTenantConfig(w http.ResponseWriter, r *http.Request) {
	err := p.DeleteTenantConfig(r.Context(), r.PathValue("tenant"))
	p.respond(w, r, http.StatusNoContent, nil, err)
}
