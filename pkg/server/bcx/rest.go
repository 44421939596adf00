package bcx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/kp"
	"github.com/kaactl/kaactl/pkg/server/httpx"
)

// Scopes required by the management API.
const (
	ScopeRead   = "endpoint:read"
	ScopeDelete = "endpoint:delete"
)

// routes answers paths and methods it has no pattern for with a JSON error.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/binary-data", s.serveUpload)
	mux.HandleFunc("POST /api/v1/files/{filename}", s.serveFile)
	read := func(h http.HandlerFunc) http.Handler { return s.auth.Middleware(ScopeRead, s.tenantScoped(h)) }
	const ep = "/api/v1/applications/{app}/endpoints/{ep}/binary-data"
	mux.Handle("GET /api/v1/applications/{app}/binary-data", read(s.serveList))
	mux.Handle("GET "+ep+"/{id}", read(s.serveStat))
	mux.Handle("GET "+ep+"/{id}/data", read(s.serveDownload))
	mux.Handle("GET "+ep+"/data/last", read(s.serveLast))
	mux.Handle("DELETE "+ep+"/{id}", s.auth.Middleware(ScopeDelete, s.tenantScoped(s.serveDelete)))
	mux.HandleFunc("GET /health", s.serveHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	return httpx.JSONErrors(mux)
}

func writeError(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(kp.ErrorPayload(status, reason))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status, state := http.StatusOK, "ok"
	switch {
	case s.draining.Load():
		status, state = http.StatusServiceUnavailable, "draining"
	case s.nc == nil || !s.nc.IsConnected():
		status, state = http.StatusServiceUnavailable, "nats unavailable"
	default:
		if err := s.store.Ping(ctx); err != nil {
			status, state = http.StatusServiceUnavailable, "blob backend unavailable"
		}
	}
	writeJSON(w, status, map[string]string{"status": state})
}

// blobPath is a blob's URL path; prefix is the one the request came
// through (httpx.Prefix), so that a client behind it can follow the path.
func blobPath(prefix string, b blobstore.Blob) string {
	return prefix + "/api/v1/applications/" + b.App + "/endpoints/" + b.EndpointID + "/binary-data/" + b.ID
}

// toJSON is a blob's representation in the management API.
func toJSON(prefix string, b blobstore.Blob) api.Blob {
	ct := b.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	return api.Blob{ID: b.ID, EndpointID: b.EndpointID, Name: b.Name, Size: b.Size, ContentType: ct, CreatedDate: b.Created.UTC(), URL: blobPath(prefix, b) + "/data"}
}

// validName accepts user-given blob and file names.
func validName(n string) bool {
	if len(n) > 1024 || !utf8.ValidString(n) {
		return false
	}
	return strings.IndexFunc(n, unicode.IsControl) < 0
}

// limitedBody fails with errTooLarge as soon as more than n bytes arrive, so
// the store aborts the upload instead of keeping a truncated blob.
type limitedBody struct {
	r io.Reader
	n int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooLarge
	}
	return n, err
}

// authorizeUpload checks X-Auth-Token; on failure it has answered 403.
func (s *Server) authorizeUpload(w http.ResponseWriter, r *http.Request) (TokenClaims, bool) {
	tok := r.Header.Get("X-Auth-Token")
	if tok == "" {
		s.metrics.rejected.WithLabelValues("missing").Inc()
		writeError(w, http.StatusForbidden, "missing X-Auth-Token header: request an upload token over 1/KP first")
		return TokenClaims{}, false
	}
	claims, err := s.signer.Verify(tok, s.now())
	if err != nil {
		reason := "invalid"
		if errors.Is(err, ErrTokenExpired) {
			reason = "expired"
		}
		s.metrics.rejected.WithLabelValues(reason).Inc()
		s.log.Info("upload refused", "reason", err, "remote", r.RemoteAddr)
		writeError(w, http.StatusForbidden, err.Error())
		return TokenClaims{}, false
	}
	if s.revoked.revoked(claims.App, claims.EndpointID, claims.Issued) {
		s.metrics.rejected.WithLabelValues("revoked").Inc()
		s.log.Info("upload refused", "reason", "endpoint suspended or revoked", "app", claims.App, "endpointId", claims.EndpointID, "remote", r.RemoteAddr)
		writeError(w, http.StatusForbidden, ErrTokenRevoked.Error()+": the endpoint was suspended or revoked")
		return TokenClaims{}, false
	}
	return claims, true
}

// store streams the request body into a blob and maps failures to statuses.
func (s *Server) storeBody(w http.ResponseWriter, r *http.Request, b blobstore.Blob) (blobstore.Blob, bool) {
	start := time.Now()
	if s.draining.Load() {
		writeError(w, http.StatusServiceUnavailable, "server is shutting down")
		return b, false
	}
	if r.ContentLength > s.opts.MaxBlobSize {
		s.metrics.uploads.WithLabelValues("413").Inc()
		writeError(w, http.StatusRequestEntityTooLarge, "blob over the limit of "+strconv.FormatInt(s.opts.MaxBlobSize, 10)+" bytes")
		return b, false
	}
	if r.ContentLength > 0 {
		b.Size = r.ContentLength // lets the store stream one object instead of parts
	}
	stored, err := s.store.Put(r.Context(), b, &limitedBody{r: r.Body, n: s.opts.MaxBlobSize})
	if err != nil {
		status, reason := http.StatusInternalServerError, "cannot store blob"
		switch {
		case errors.Is(err, errTooLarge):
			status, reason = http.StatusRequestEntityTooLarge, "blob over the limit of "+strconv.FormatInt(s.opts.MaxBlobSize, 10)+" bytes"
		case errors.Is(err, blobstore.ErrUnavailable):
			status, reason = http.StatusServiceUnavailable, "blob backend unavailable"
		case errors.Is(err, blobstore.ErrInvalid):
			status, reason = http.StatusBadRequest, "invalid blob address"
		case r.Context().Err() != nil:
			status, reason = http.StatusBadRequest, "upload interrupted"
		}
		s.metrics.uploads.WithLabelValues(strconv.Itoa(status)).Inc()
		s.log.Warn("upload failed", "app", b.App, "endpointId", b.EndpointID, "status", status, "error", err)
		writeError(w, status, reason)
		return b, false
	}
	s.metrics.bytes.Add(float64(stored.Size))
	s.metrics.duration.Observe(time.Since(start).Seconds())
	return stored, true
}

// serveUpload: POST /api/v1/binary-data[?name=] with X-Auth-Token.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	claims, ok := s.authorizeUpload(w, r)
	if !ok {
		return
	}
	name := r.URL.Query().Get("name")
	if !validName(name) {
		s.metrics.uploads.WithLabelValues("400").Inc()
		writeError(w, http.StatusBadRequest, "invalid name: at most 1024 bytes of UTF-8 without control characters")
		return
	}
	b, ok := s.storeBody(w, r, blobstore.Blob{App: claims.App, EndpointID: claims.EndpointID, Name: name, ContentType: r.Header.Get("Content-Type")})
	if !ok {
		return
	}
	s.metrics.uploads.WithLabelValues("201").Inc()
	prefix := httpx.Prefix(r.Context())
	w.Header().Set("Location", blobPath(prefix, b))
	writeJSON(w, http.StatusCreated, toJSON(prefix, b))
}

// serveFile: POST /api/v1/files/{filename}: a named file of the endpoint that
// the next upload with the same name replaces.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	claims, ok := s.authorizeUpload(w, r)
	if !ok {
		return
	}
	name := r.PathValue("filename")
	if name == "" || !validName(name) {
		s.metrics.uploads.WithLabelValues("400").Inc()
		writeError(w, http.StatusBadRequest, "invalid file name")
		return
	}
	sum := sha256.Sum256([]byte(name))
	id := "file-" + hex.EncodeToString(sum[:16])
	if _, ok := s.storeBody(w, r, blobstore.Blob{App: claims.App, EndpointID: claims.EndpointID, ID: id, Name: name, ContentType: r.Header.Get("Content-Type")}); !ok {
		return
	}
	s.metrics.uploads.WithLabelValues("204").Inc()
	w.WriteHeader(http.StatusNoContent)
}

// tenantScoped hides applications of other tenants: they answer 404 exactly
// like applications that do not exist.
func (s *Server) tenantScoped(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		caller, ok := s.auth.Tenant(r.Context())
		owner, known := s.opts.Apps.Tenant(r.PathValue("app"))
		if !ok || !known || caller != owner {
			writeError(w, http.StatusNotFound, "application not found")
			return
		}
		h(w, r)
	}
}

func (s *Server) storeError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, blobstore.ErrNotFound), errors.Is(err, blobstore.ErrInvalid):
		writeError(w, http.StatusNotFound, "blob not found")
	case errors.Is(err, blobstore.ErrUnavailable):
		writeError(w, http.StatusServiceUnavailable, "blob backend unavailable")
	default:
		s.log.Error("blob store", "error", err)
		writeError(w, http.StatusInternalServerError, "blob store error")
	}
}

// serveList: GET /api/v1/applications/{app}/binary-data?endpointId=&page=&size=&sort=createdDate,desc
func (s *Server) serveList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, err1 := intParam(q.Get("page"), 0)
	size, err2 := intParam(q.Get("size"), 20)
	if err1 != nil || err2 != nil || page < 0 || size < 1 || size > 1000 {
		writeError(w, http.StatusBadRequest, "page must be >= 0 and size in [1, 1000]")
		return
	}
	opts := blobstore.ListOptions{EndpointID: q.Get("endpointId"), Offset: page * size, Limit: size}
	switch q.Get("sort") {
	case "", "createdDate", "createdDate,desc":
	case "createdDate,asc":
		opts.Ascending = true
	default:
		writeError(w, http.StatusBadRequest, "sort must be createdDate,desc or createdDate,asc")
		return
	}
	res, err := s.store.List(r.Context(), r.PathValue("app"), opts)
	if err != nil {
		s.storeError(w, err)
		return
	}
	content := make([]api.Blob, 0, len(res.Blobs))
	for _, b := range res.Blobs {
		content = append(content, toJSON(httpx.Prefix(r.Context()), b))
	}
	writeJSON(w, http.StatusOK, api.BlobPage{Content: content, TotalElements: int64(res.Total), Page: page, Size: size})
}

func intParam(v string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

func (s *Server) serveStat(w http.ResponseWriter, r *http.Request) {
	b, err := s.store.Stat(r.Context(), r.PathValue("app"), r.PathValue("ep"), r.PathValue("id"))
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(httpx.Prefix(r.Context()), b))
}

func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request) {
	s.download(w, r, r.PathValue("id"))
}

// serveLast downloads the newest blob of an endpoint.
func (s *Server) serveLast(w http.ResponseWriter, r *http.Request) {
	res, err := s.store.List(r.Context(), r.PathValue("app"), blobstore.ListOptions{EndpointID: r.PathValue("ep"), Limit: 1})
	if err != nil {
		s.storeError(w, err)
		return
	}
	if len(res.Blobs) == 0 {
		writeError(w, http.StatusNotFound, "endpoint has no blobs")
		return
	}
	s.download(w, r, res.Blobs[0].ID)
}

// download streams a blob, honouring a single byte range.
func (s *Server) download(w http.ResponseWriter, r *http.Request, id string) {
	app, ep := r.PathValue("app"), r.PathValue("ep")
	meta, err := s.store.Stat(r.Context(), app, ep, id)
	if err != nil {
		s.storeError(w, err)
		return
	}
	start, length, partial, ok := parseRange(r.Header.Get("Range"), meta.Size)
	if !ok {
		w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(meta.Size, 10))
		writeError(w, http.StatusRequestedRangeNotSatisfiable, "range not satisfiable")
		return
	}
	var body io.ReadCloser = io.NopCloser(strings.NewReader(""))
	if length > 0 {
		if body, _, err = s.store.Get(r.Context(), app, ep, id, start, length); err != nil {
			s.storeError(w, err)
			return
		}
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", toJSON("", meta).ContentType)
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	h.Set("Accept-Ranges", "bytes")
	// A blob is whatever a device sent: a browser must save it, never
	// render it (HTML or script in the management UI's origin) or guess its type.
	h.Set("X-Content-Type-Options", "nosniff")
	if meta.Name != "" {
		h.Set("Content-Disposition", `attachment; filename*=UTF-8''`+urlPathEscape(meta.Name))
	} else {
		h.Set("Content-Disposition", "attachment")
	}
	status := http.StatusOK
	if partial {
		status = http.StatusPartialContent
		h.Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(start+length-1, 10)+"/"+strconv.FormatInt(meta.Size, 10))
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, body); err != nil {
		s.log.Info("download interrupted", "app", app, "endpointId", ep, "id", id, "error", err)
	}
}

func (s *Server) serveDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Delete(r.Context(), r.PathValue("app"), r.PathValue("ep"), r.PathValue("id")); err != nil {
		s.storeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
