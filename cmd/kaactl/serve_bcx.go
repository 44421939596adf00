package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
	"github.com/kaactl/kaactl/pkg/server/bcx"
)

// serveBCXOptions are the flags of `kaactl serve bcx`.
type serveBCXOptions struct {
	bcx.Options
	cli.ServeFlags
}

func (o *serveBCXOptions) Use(log *slog.Logger, apps kaaconfig.AppConfig) {
	o.Logger, o.Apps = log, apps
}
func (o *serveBCXOptions) Build() (*bcx.Server, error) { return bcx.New(o.Options) }

func newServeBCXCmd(ios *output.IOStreams, logs *cli.LogFlags, runF func(context.Context, *serveBCXOptions) error) *cobra.Command {
	return cli.ServiceCommand(&cobra.Command{
		Use:   "bcx",
		Short: "Run the blob extension: upload tokens over 1/KP, blob uploads and management over REST",
		Long: `Run one BCX replica.

Devices request an upload token with an empty 1/KP request to
kp1/<appVersion>/bcx/<endpointToken>/token[/<requestId>] and get {"token":"..."};
they upload with POST /api/v1/binary-data[?name=] and header X-Auth-Token
(201 + Location), or POST /api/v1/files/<filename> (204, replaces the file).
--tls-cert/--tls-key serve HTTPS, --path-prefix /bcx Kaa's cloud paths.

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
		Example: `  # Blobs in a local S3, one shared token key, management JWTs of tenant kaa
  kaactl serve bcx --nats nats://127.0.0.1:4222 --s3-endpoint http://127.0.0.1:7070 --s3-path-style \
    --s3-bucket kaa-bcx --token-key-file /etc/kaactl/bcx.key --create-token-key \
    --issuer kaa=https://idp.example/auth/realms/kaa

  # Blobs on disk
  kaactl serve bcx --backend disk --disk-dir /var/lib/kaactl/blobs --create-token-key \
    --tls-cert bcx.crt --tls-key bcx.key --path-prefix /bcx`,
	}, ios.ErrOut, logs, &serveBCXOptions{Options: bcx.DefaultOptions()}, runF, "YAML config file: any flag of this command as a top-level key, plus kaa.applications (versions, tenant-id, bcx.tokens.expiration)",
		30*time.Second, "on shutdown, wait this long for uploads in progress")
}
