package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
)

// blobsGroup is what the blobs commands share: the management flags, and
// OAuth2 client credentials as another way to get the bearer token.
type blobsGroup struct {
	*manageOptions
	issuer, clientID, secret, secretFile string
}

func newBlobsCmd(streams ioStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "blobs",
		Short: "List, download and delete the blobs endpoints uploaded to BCX",
		Example: `  kaactl blobs ls --app demo
  kaactl blobs get --app demo --endpoint <endpointId> <blobId> -O photo.jpg
  kaactl blobs rm --app demo --endpoint <endpointId> <blobId>
  KAA_CLIENT_SECRET=... kaactl blobs ls --app demo --issuer https://idp/auth/realms/kaa --client-id ops`,
	}
	g := &blobsGroup{manageOptions: newManageGroup(streams, cmd)}
	fs := cmd.PersistentFlags()
	fs.StringVar(&g.clientID, "client-id", "", "get the bearer token with OAuth2 client credentials of this client (instead of --admin-token)")
	fs.StringVar(&g.issuer, "issuer", "", "the tenant's OAuth2 issuer URL for --client-id, e.g. https://idp.example/auth/realms/kaa")
	fs.StringVar(&g.secret, "client-secret", "", "OAuth2 client secret (better: KAA_CLIENT_SECRET or --client-secret-file)")
	fs.StringVar(&g.secretFile, "client-secret-file", "", "file (mode 0600) holding the OAuth2 client secret")
	cmd.AddCommand(newBlobsLsCmd(g, nil), newBlobsGetCmd(g, nil), newBlobsRmCmd(g, nil))
	return cmd
}

// client is the BCX client with --admin-token, or with a token of the issuer.
func (g *blobsGroup) client(ctx context.Context) (*admin.BlobsClient, error) {
	if g.clientID == "" {
		return g.blobs()
	}
	if g.issuer == "" {
		return nil, usageError{errors.New("--client-id needs --issuer")}
	}
	secret := g.secret
	if secret == "" && g.secretFile != "" {
		s, err := admin.ReadSecretFile(g.secretFile)
		if err != nil {
			return nil, fmt.Errorf("--client-secret-file: %w", err)
		}
		secret = s
	}
	if secret == "" {
		return nil, usageError{errors.New("--client-id needs KAA_CLIENT_SECRET or --client-secret-file")}
	}
	tok, err := (&admin.ClientCredentials{Issuer: g.issuer, ClientID: g.clientID, ClientSecret: secret, HTTP: g.httpClient}).Token(ctx)
	if err != nil {
		return nil, err
	}
	return &admin.BlobsClient{REST: admin.REST{BaseURL: g.bcxURL, Token: tok, HTTP: g.httpClient}}, nil
}

// unknownApp turns a listing or download error, or an empty listing, into
// "application not found" when the provider says the app does not exist
// (BCX alone cannot tell an unknown app from one without blobs). Without a
// provider to ask, err stands.
func (g *blobsGroup) unknownApp(ctx context.Context, app string, err error) error {
	if err != nil && !errors.Is(err, admin.ErrNotFound) {
		return err
	}
	p, perr := g.provider()
	if perr != nil {
		return err
	}
	apps, perr := p.ListApps(ctx, g.tenant)
	if perr != nil || slices.ContainsFunc(apps, func(a api.App) bool { return a.Name == app }) {
		return err
	}
	return fmt.Errorf("%w: application %q does not exist in tenant %q", admin.ErrNotFound, app, g.tenant)
}

// completeApps completes --app with the tenant's applications, if the
// provider answers within a second.
func (g *blobsGroup) completeApps(cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc("app", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(cmd.Context(), time.Second)
		defer cancel()
		var names []string
		if p, err := g.provider(); err == nil {
			apps, _ := p.ListApps(ctx, g.tenant)
			for _, a := range apps {
				names = append(names, a.Name)
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}

// blobsLsOptions are the flags of `kaactl blobs ls`.
type blobsLsOptions struct {
	*blobsGroup
	app   string
	list  admin.ListOptions
	limit int
	all   bool
	asc   bool
}

func newBlobsLsCmd(g *blobsGroup, runF func(context.Context, *blobsLsOptions) error) *cobra.Command {
	o := &blobsLsOptions{blobsGroup: g}
	cmd := &cobra.Command{
		Use:     "ls --app APP",
		Aliases: []string{"list"},
		Short:   "List an application's blobs, newest first",
		Example: `  kaactl blobs ls --app demo --endpoint <endpointId> --limit 50
  kaactl blobs ls --app demo --all --asc -o json`,
		Args: exactArgs(0),
	}
	requireApp(cmd, &o.app)
	g.completeApps(cmd)
	f := cmd.Flags()
	f.StringVar(&o.list.EndpointID, "endpoint", "", "only the blobs of this endpoint ID")
	f.IntVar(&o.limit, "limit", 20, "at most this many blobs")
	f.IntVar(&o.limit, "size", 20, "")
	_ = f.MarkHidden("size") // the old name of --limit
	f.BoolVar(&o.all, "all", false, "every blob (pages through the whole listing)")
	f.BoolVar(&o.asc, "asc", false, "oldest first")
	return leaf(cmd, o, func([]string) error {
		if err := needFlag("app", o.app); err != nil {
			return err
		}
		if o.limit < 1 && !o.all {
			return usageError{fmt.Errorf("--limit must be at least 1 (or --all)")}
		}
		if o.all {
			o.limit = 0
		}
		if o.asc {
			o.list.Sort = "createdDate,asc"
		}
		return nil
	}, runBlobsLs, runF)
}

func runBlobsLs(ctx context.Context, o *blobsLsOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	page, err := c.ListUpTo(ctx, o.app, o.list, o.limit)
	if err != nil || len(page.Content) == 0 {
		if err := o.unknownApp(ctx, o.app, err); err != nil {
			return err
		}
	}
	tty, now := o.IO.IsStdoutTTY(), time.Now()
	err = table[api.Blob]{
		header: []string{"ID", "ENDPOINT", "NAME", "SIZE", "CONTENT TYPE", "CREATED"},
		row: func(b api.Blob) []any {
			if tty { // for people: 1.5 MiB, 3m ago
				return []any{b.ID, b.EndpointID, output.OrDash(b.Name), output.Bytes(b.Size), output.OrDash(b.ContentType), output.Age(now.Sub(b.CreatedDate)) + " ago"}
			}
			return []any{b.ID, b.EndpointID, output.OrDash(b.Name), b.Size, output.OrDash(b.ContentType), output.Time(b.CreatedDate)}
		},
	}.print(o.manageOptions, page, page.Content...)
	if err == nil && !o.format.Structured() && page.TotalElements > int64(len(page.Content)) {
		err = o.note("%d of %d blobs (--limit N or --all for more)", len(page.Content), page.TotalElements)
	}
	return err
}

// blobOptions are the flags of `kaactl blobs get|rm`.
type blobOptions struct {
	*blobsGroup
	app        string
	endpointID string
	id         string
	outFile    string
	yes        bool
}

// newBlobCmd is a command on one blob, with its flags and checks.
func newBlobCmd(g *blobsGroup, cmd *cobra.Command, run, runF func(context.Context, *blobOptions) error) (*cobra.Command, *blobOptions) {
	o := &blobOptions{blobsGroup: g}
	cmd.Args = exactArgs(1)
	requireApp(cmd, &o.app)
	g.completeApps(cmd)
	cmd.Flags().StringVar(&o.endpointID, "endpoint", "", "endpoint ID (required)")
	return leaf(cmd, o, func(args []string) error {
		o.id = args[0]
		if err := needFlag("app", o.app); err != nil {
			return err
		}
		return needFlag("endpoint", o.endpointID)
	}, run, runF), o
}

func newBlobsGetCmd(g *blobsGroup, runF func(context.Context, *blobOptions) error) *cobra.Command {
	cmd, o := newBlobCmd(g, &cobra.Command{
		Use:   "get --app APP --endpoint EP ID",
		Short: "Download a blob to stdout or to a file (-O), with its SHA-256",
		Long: `Download a blob to stdout (or -O -) or to a file (-O FILE, complete or not
at all). A progress bar shows on a terminal. The SHA-256 of the content goes
to stdout as sha256sum prints it when writing a file, else to stderr, so that
stdout holds the blob alone.`,
		Example: `  kaactl blobs get --app demo --endpoint <endpointId> 0190f3c2 -O photo.jpg
  kaactl blobs get --app demo --endpoint <endpointId> 0190f3c2 -O - > photo.jpg`,
	}, runBlobsGet, runF)
	cmd.Flags().StringVarP(&o.outFile, "output-file", "O", "", `write to this file instead of stdout ("-": stdout)`)
	return cmd
}

func runBlobsGet(ctx context.Context, o *blobOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	var bar *output.ProgressBar
	if o.IO.IsStderrTTY() {
		bar = output.NewProgressBar(o.IO.ErrOut, o.IO.TerminalWidth(), o.id)
		c.Progress = bar.Update
	}
	var d admin.Downloaded
	toStdout := o.outFile == "" || o.outFile == "-"
	if toStdout {
		d, err = c.Download(ctx, o.app, o.endpointID, o.id, o.IO.Out)
	} else {
		d, err = c.DownloadFile(ctx, o.app, o.endpointID, o.id, o.outFile)
	}
	if bar != nil {
		bar.Done() // before any line below
	}
	if err != nil {
		return o.unknownApp(ctx, o.app, err)
	}
	if toStdout {
		return o.note("sha256 %s (%d bytes)", d.SHA256, d.Bytes)
	}
	if err := o.note("wrote %d bytes to %s", d.Bytes, o.outFile); err != nil {
		return err
	}
	return o.say("%s  %s", d.SHA256, o.outFile)
}

func newBlobsRmCmd(g *blobsGroup, runF func(context.Context, *blobOptions) error) *cobra.Command {
	cmd, o := newBlobCmd(g, &cobra.Command{
		Use:     "rm --app APP --endpoint EP ID",
		Aliases: []string{"delete"},
		Short:   "Delete a blob (asks first on a terminal, unless --yes)",
		Example: `  kaactl blobs rm --app demo --endpoint <endpointId> 0190f3c2
  kaactl blobs rm --app demo --endpoint <endpointId> 0190f3c2 --yes`,
	}, runBlobsRm, runF)
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "delete without asking")
	return cmd
}

func runBlobsRm(ctx context.Context, o *blobOptions) error {
	if err := confirm(o.IO, o.yes, fmt.Sprintf("delete blob %s of endpoint %s in %s", o.id, o.endpointID, o.app)); err != nil {
		return err
	}
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	if err := c.Delete(ctx, o.app, o.endpointID, o.id); err != nil {
		return o.unknownApp(ctx, o.app, err)
	}
	return o.print(map[string]any{"id": o.id, "deleted": true}, func() error {
		return o.say("blob %s deleted", o.id)
	})
}
