package main

import (
	"context"
	"fmt"
	"github.com/kaactl/kaactl/pkg/kp"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/blobstore/disk"
	"github.com/kaactl/kaactl/pkg/blobstore/ram"
	"github.com/kaactl/kaactl/pkg/blobstore/s3"
	"github.com/kaactl/kaactl/pkg/server/bcx"
	"github.com/kaactl/kaactl/pkg/server/httpx/auth"
)

// serveBCXOptions are the flags of `kaactl serve bcx`.
type serveBCXOptions struct {
	bcx.Options
	configPath       string
	backend          string
	diskDir          string
	s3               s3.Options
	keyFile          string
	createKey        bool
	tenantManagerURL string
	issuers          []string
	drainTimeout     time.Duration
}

func newServeBCXCmd(io ioStreams, g *globalOptions, runF func(context.Context, *serveBCXOptions) error) *cobra.Command {
	o := &serveBCXOptions{Options: bcx.DefaultOptions(), backend: "s3"}
	o.s3.Region, o.s3.Bucket = "us-east-1", "kaa-bcx"
	cmd := &cobra.Command{
		Use:   "bcx",
		Short: "Run the blob extension: upload tokens over 1/KP, blob uploads and management over REST",
		Long: `Run one BCX replica.

Devices request an upload token with an empty 1/KP request to
kp1/<appVersion>/bcx/<endpointToken>/token[/<requestId>] and get {"token":"..."};
they upload with POST /api/v1/binary-data[?name=] and header X-Auth-Token
(201 + Location), or POST /api/v1/files/<filename> (204, replaces the file).

Tokens are HMAC-signed and stateless: every replica verifies every replica's
tokens as long as they share --token-key-file.

Management (Authorization: Bearer <JWT> of the application's tenant; scope
endpoint:read, endpoint:delete for DELETE):
  GET    /api/v1/applications/<app>/binary-data[?endpointId=&page=&size=&sort=createdDate,asc]
  GET    /api/v1/applications/<app>/endpoints/<ep>/binary-data/<id>[/data]   (Range supported)
  GET    /api/v1/applications/<app>/endpoints/<ep>/binary-data/data/last
  DELETE /api/v1/applications/<app>/endpoints/<ep>/binary-data/<id>
A JWT's tenant is its issuer's realm (…/realms/<tenant>); tenant issuers come from
--issuer tenant=URL or the Tenant Manager (--tenant-manager-url).

S3 credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID, profiles,
instance roles).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger(io.err)
			if err != nil {
				return err
			}
			o.Logger = log
			if o.configPath != "" {
				if o.Apps, err = loadConfigFile(cmd.Flags(), o.configPath); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runServeBCX(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.NATSURL, "nats", o.NATSURL, "NATS server URL(s), comma-separated")
	f.StringVar(&o.Instance, "instance", o.Instance, "BCX extension instance name")
	f.StringVar(&o.RESTAddr, "rest-addr", o.RESTAddr, "REST listen address: uploads, management, /health, /metrics")
	f.StringVar(&o.configPath, "config", "", "YAML config file: any flag of this command as a top-level key, plus kaa.applications (versions, tenant-id, bcx.tokens.expiration)")
	f.StringVar(&o.backend, "backend", o.backend, "blob backend: s3, disk or ram")
	f.StringVar(&o.diskDir, "disk-dir", "bcx-data", "directory of the disk backend")
	f.StringVar(&o.s3.Endpoint, "s3-endpoint", "", "S3 endpoint URL (default: AWS)")
	f.StringVar(&o.s3.Region, "s3-region", o.s3.Region, "S3 region")
	f.StringVar(&o.s3.Bucket, "s3-bucket", o.s3.Bucket, "S3 bucket (created if missing)")
	f.StringVar(&o.s3.Prefix, "s3-prefix", "", "key prefix inside the bucket")
	f.BoolVar(&o.s3.PathStyle, "s3-path-style", false, "path-style S3 addressing (MinIO, versitygw, Ceph)")
	f.DurationVar(&o.TokenTTL, "token-ttl", o.TokenTTL, "upload token lifetime (per application: kaa.applications.<app>.bcx.tokens.expiration)")
	f.StringVar(&o.keyFile, "token-key-file", "bcx-token.key", "hex HMAC key signing upload tokens; share it between replicas")
	f.BoolVar(&o.createKey, "create-token-key", false, "generate --token-key-file (mode 0600) if it does not exist")
	f.Int64Var(&o.MaxBlobSize, "max-blob-size", o.MaxBlobSize, "largest blob in bytes (413 above)")
	f.StringVar(&o.tenantManagerURL, "tenant-manager-url", "", "Tenant Manager base URL resolving tenant issuers")
	f.StringSliceVar(&o.issuers, "issuer", nil, "static tenant issuer, tenant=URL (repeatable)")
	f.DurationVar(&o.drainTimeout, "drain-timeout", 30*time.Second, "on shutdown, wait this long for uploads in progress")
	return cmd
}

// openStore opens the configured blob backend.
func openStore(ctx context.Context, backend, diskDir string, s3opts s3.Options) (blobstore.Store, func(), error) {
	switch backend {
	case "ram":
		return ram.New(), func() {}, nil
	case "disk":
		st, err := disk.Open(diskDir)
		return st, func() {}, err
	case "s3":
		st, err := s3.New(ctx, s3opts)
		if err != nil {
			return nil, nil, err
		}
		return st, func() { _ = st.Close() }, nil
	}
	return nil, nil, usageError{fmt.Errorf("--backend %q: want s3, disk or ram", backend)}
}

// parseIssuers turns tenant=URL pairs into a map.
func parseIssuers(pairs []string) (map[string]string, error) {
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		tenant, url, ok := strings.Cut(p, "=")
		if !ok || tenant == "" || url == "" {
			return nil, usageError{fmt.Errorf("--issuer %q: want tenant=URL", p)}
		}
		m[tenant] = url
	}
	return m, nil
}

// tenantAuth adapts the JWT verifier to BCX's Authenticator.
type tenantAuth struct{ *auth.Verifier }

func (a tenantAuth) Tenant(ctx context.Context) (string, bool) {
	p, ok := auth.FromContext(ctx)
	return p.Tenant, ok
}

// noIssuerAuth answers every management call when no token issuer is
// configured: uploads work, listing needs an identity provider.
type noIssuerAuth struct{}

func (noIssuerAuth) Middleware(string, http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write(kp.ErrorPayload(http.StatusUnauthorized, "management API has no token issuer configured (--issuer or --tenant-manager-url)"))
	})
}

func (noIssuerAuth) Tenant(context.Context) (string, bool) { return "", false }

func runServeBCX(ctx context.Context, o *serveBCXOptions) error {
	issuers, err := parseIssuers(o.issuers)
	if err != nil {
		return err
	}
	key, err := bcx.LoadOrCreateKey(filepath.Clean(o.keyFile), o.createKey)
	if err != nil {
		return fmt.Errorf("%w (generate one with --create-token-key, or `openssl rand -hex 32 > %s`)", err, o.keyFile)
	}
	signer, err := bcx.NewTokenSigner(key)
	if err != nil {
		return err
	}
	var authn bcx.Authenticator = noIssuerAuth{}
	if len(issuers) > 0 || o.tenantManagerURL != "" {
		verifier, err := auth.NewVerifier(auth.Options{StaticIssuers: issuers, TenantManagerURL: o.tenantManagerURL, Logger: o.Logger})
		if err != nil {
			return usageError{err}
		}
		authn = tenantAuth{verifier}
	} else {
		o.Logger.Warn("management API refuses every call: no --issuer or --tenant-manager-url given")
	}
	store, closeStore, err := openStore(ctx, o.backend, o.diskDir, o.s3)
	if err != nil {
		return err
	}
	defer closeStore()
	srv, err := bcx.New(o.Options, store, signer, authn)
	if err != nil {
		return usageError{err}
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	return shutdown(o.drainTimeout, srv.Shutdown)
}
