package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/internal/tables"
	"github.com/kaactl/kaactl/pkg/admin"
)

// blobsGroup is what the blobs commands share: the management flags, and
// OAuth2 client credentials as another way to get the bearer token.
type blobsGroup struct {
	*cli.Manage
	auth admin.ClientAuth
}

func newBlobsCmd(ios *output.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "blobs",
		Short: "List, download and delete the blobs endpoints uploaded to BCX",
		Example: `  kaactl blobs ls --app demo
  kaactl blobs get --app demo --endpoint <endpointId> <blobId> -O photo.jpg
  kaactl blobs rm --app demo --endpoint <endpointId> <blobId>
  KAA_CLIENT_SECRET=... kaactl blobs ls --app demo --issuer https://idp/auth/realms/kaa --client-id ops`,
	}
	g := &blobsGroup{Manage: newManageGroup(ios, cmd)}
	g.auth.BindFlags(cmd.PersistentFlags())
	cmd.AddCommand(newBlobsLsCmd(g, nil), newBlobsGetCmd(g, nil), newBlobsRmCmd(g, nil))
	return cmd
}

// client is the BCX client with --admin-token, or with a token of the issuer.
func (g *blobsGroup) client(ctx context.Context) (*admin.BlobsClient, error) {
	c, err := g.BlobsAs(ctx, &g.auth)
	if errors.Is(err, admin.ErrNeedIssuer) || errors.Is(err, admin.ErrNeedSecret) {
		return nil, cli.Usage(err)
	}
	return c, err
}

// blobsLsOptions are the flags of `kaactl blobs ls`.
type blobsLsOptions struct {
	*blobsGroup
	app   string
	query admin.BlobQuery
}

func newBlobsLsCmd(g *blobsGroup, runF func(context.Context, *blobsLsOptions) error) *cobra.Command {
	o := &blobsLsOptions{blobsGroup: g, query: admin.BlobQuery{Limit: 20}}
	cmd := &cobra.Command{
		Use:     "ls --app APP",
		Aliases: []string{"list"},
		Short:   "List an application's blobs, newest first",
		Example: `  kaactl blobs ls --app demo --endpoint <endpointId> --limit 50
  kaactl blobs ls --app demo --all --asc -o json`,
		Args: cli.ExactArgs(0),
	}
	cli.RequireApp(cmd, &o.app)
	o.query.BindFlags(cmd.Flags())
	return cli.Leaf(cmd, o, func([]string) error {
		if err := cli.NeedFlag("app", o.app); err != nil {
			return err
		}
		return cli.Usage(o.query.Validate())
	}, runBlobsLs, runF)
}

func runBlobsLs(ctx context.Context, o *blobsLsOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	page, err := c.Query(ctx, o.app, o.query)
	if err != nil || len(page.Content) == 0 {
		if err := o.UnknownApp(ctx, o.app, err); err != nil {
			return err
		}
	}
	err = tables.Blobs(o.IO.IsStdoutTTY(), time.Now()).Print(o.Printer, page, page.Content...)
	if err == nil && !o.Format.Structured() && page.TotalElements > int64(len(page.Content)) {
		err = o.Note("%d of %d blobs (--limit N or --all for more)", len(page.Content), page.TotalElements)
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
	cmd.Args = cli.ExactArgs(1)
	cli.RequireApp(cmd, &o.app)
	cmd.Flags().StringVar(&o.endpointID, "endpoint", "", "endpoint ID (required)")
	return cli.Leaf(cmd, o, func(args []string) error {
		o.id = args[0]
		if err := cli.NeedFlag("app", o.app); err != nil {
			return err
		}
		return cli.NeedFlag("endpoint", o.endpointID)
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
	d, err := c.Save(ctx, o.app, o.endpointID, o.id, o.outFile, o.IO.Out)
	if bar != nil {
		bar.Done() // before any line below
	}
	if err != nil {
		return o.UnknownApp(ctx, o.app, err)
	}
	if d.Path == "" {
		return o.Note("sha256 %s (%d bytes)", d.SHA256, d.Bytes)
	}
	if err := o.Note("wrote %d bytes to %s", d.Bytes, d.Path); err != nil {
		return err
	}
	return o.Say("%s  %s", d.SHA256, d.Path)
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
	if err := cli.Confirm(o.IO, o.yes, fmt.Sprintf("delete blob %s of endpoint %s in %s", o.id, o.endpointID, o.app)); err != nil {
		return err
	}
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	if err := c.Delete(ctx, o.app, o.endpointID, o.id); err != nil {
		return o.UnknownApp(ctx, o.app, err)
	}
	return o.Print(map[string]any{"id": o.id, "deleted": true}, func() error {
		return o.Say("blob %s deleted", o.id)
	})
}
