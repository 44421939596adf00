package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
)

func newBlobsCmd(streams ioStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "blobs",
		Short: "List, download and delete the blobs endpoints uploaded to BCX",
		Example: `  kaactl blobs ls --app demo
  kaactl blobs get --app demo --endpoint <endpointId> <blobId> -O photo.jpg
  kaactl blobs rm --app demo --endpoint <endpointId> <blobId>`,
	}
	m := newManageGroup(streams, cmd)
	cmd.AddCommand(newBlobsLsCmd(m, nil), newBlobsGetCmd(m, nil), newBlobsRmCmd(m, nil))
	return cmd
}

// blobsLsOptions are the flags of `kaactl blobs ls`.
type blobsLsOptions struct {
	*manageOptions
	app  string
	list admin.ListOptions
	asc  bool
}

func newBlobsLsCmd(m *manageOptions, runF func(context.Context, *blobsLsOptions) error) *cobra.Command {
	o := &blobsLsOptions{manageOptions: m}
	cmd := &cobra.Command{
		Use:     "ls --app APP",
		Aliases: []string{"list"},
		Short:   "List an application's blobs, newest first",
		Example: `  kaactl blobs ls --app demo --endpoint my-token --size 50
  kaactl blobs ls --app demo --asc -o json`,
		Args: exactArgs(0),
	}
	requireApp(cmd, &o.app)
	f := cmd.Flags()
	f.StringVar(&o.list.EndpointID, "endpoint", "", "only the blobs of this endpoint ID")
	f.IntVar(&o.list.Page, "page", 0, "page number, from 0")
	f.IntVar(&o.list.Size, "size", 20, "page size, 1 to 1000")
	f.BoolVar(&o.asc, "asc", false, "oldest first")
	return leaf(cmd, o, func([]string) error {
		if err := needFlag("app", o.app); err != nil {
			return err
		}
		if o.list.Page < 0 || o.list.Size < 0 || o.list.Size > 1000 {
			return usageError{fmt.Errorf("--page must be >= 0 and --size in [1, 1000]")}
		}
		if o.asc {
			o.list.Sort = "createdDate,asc"
		}
		return nil
	}, runBlobsLs, runF)
}

func runBlobsLs(ctx context.Context, o *blobsLsOptions) error {
	c, err := o.blobs()
	if err != nil {
		return err
	}
	page, err := c.List(ctx, o.app, o.list)
	if err != nil {
		return err
	}
	err = table[api.Blob]{
		header: []string{"ID", "ENDPOINT", "NAME", "SIZE", "CONTENT TYPE", "CREATED"},
		row: func(b api.Blob) []any {
			return []any{b.ID, b.EndpointID, output.OrDash(b.Name), b.Size, output.OrDash(b.ContentType), output.Time(b.CreatedDate)}
		},
	}.print(o.manageOptions, page, page.Content...)
	if err == nil && !o.format.Structured() && page.TotalElements > int64(len(page.Content)) {
		err = o.note("%d of %d blobs (page %d, size %d; --page for more)", len(page.Content), page.TotalElements, page.Page, page.Size)
	}
	return err
}

// blobOptions are the flags of `kaactl blobs get|rm`.
type blobOptions struct {
	*manageOptions
	app        string
	endpointID string
	id         string
	outFile    string
}

// newBlobCmd is a command on one blob, with its flags and checks.
func newBlobCmd(m *manageOptions, cmd *cobra.Command, run, runF func(context.Context, *blobOptions) error) (*cobra.Command, *blobOptions) {
	o := &blobOptions{manageOptions: m}
	cmd.Args = exactArgs(1)
	requireApp(cmd, &o.app)
	cmd.Flags().StringVar(&o.endpointID, "endpoint", "", "endpoint ID (required)")
	return leaf(cmd, o, func(args []string) error {
		o.id = args[0]
		if err := needFlag("app", o.app); err != nil {
			return err
		}
		return needFlag("endpoint", o.endpointID)
	}, run, runF), o
}

func newBlobsGetCmd(m *manageOptions, runF func(context.Context, *blobOptions) error) *cobra.Command {
	cmd, o := newBlobCmd(m, &cobra.Command{
		Use:   "get --app APP --endpoint EP ID",
		Short: "Download a blob to stdout or to a file (-O)",
		Example: `  kaactl blobs get --app demo --endpoint my-token 0190f3c2 -O photo.jpg
  kaactl blobs get --app demo --endpoint my-token 0190f3c2 | sha256sum`,
	}, runBlobsGet, runF)
	cmd.Flags().StringVarP(&o.outFile, "output-file", "O", "", `write to this file instead of stdout ("-": stdout)`)
	return cmd
}

func runBlobsGet(ctx context.Context, o *blobOptions) error {
	c, err := o.blobs()
	if err != nil {
		return err
	}
	if o.outFile == "" || o.outFile == "-" {
		_, err = c.Download(ctx, o.app, o.endpointID, o.id, o.IO.Out)
		return err
	}
	n, err := c.DownloadFile(ctx, o.app, o.endpointID, o.id, o.outFile)
	if err != nil {
		return err
	}
	return o.note("wrote %d bytes to %s", n, o.outFile)
}

func newBlobsRmCmd(m *manageOptions, runF func(context.Context, *blobOptions) error) *cobra.Command {
	cmd, _ := newBlobCmd(m, &cobra.Command{
		Use:     "rm --app APP --endpoint EP ID",
		Aliases: []string{"delete"},
		Short:   "Delete a blob",
		Example: `  kaactl blobs rm --app demo --endpoint my-token 0190f3c2`,
	}, runBlobsRm, runF)
	return cmd
}

func runBlobsRm(ctx context.Context, o *blobOptions) error {
	c, err := o.blobs()
	if err != nil {
		return err
	}
	if err := c.Delete(ctx, o.app, o.endpointID, o.id); err != nil {
		return err
	}
	return o.print(map[string]any{"id": o.id, "deleted": true}, func() error {
		return o.say("blob %s deleted", o.id)
	})
}
