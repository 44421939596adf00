package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/admin"
)

func newBlobsCmd(streams ioStreams) *cobra.Command {
	conn := &connOptions{}
	cmd := &cobra.Command{
		Use:   "blobs",
		Short: "List, download and delete the blobs endpoints uploaded to BCX",
		RunE:  groupRunE,
	}
	conn.bind(cmd.PersistentFlags())
	cmd.AddCommand(newBlobsLsCmd(streams, conn, nil), newBlobsGetCmd(streams, conn, nil), newBlobsRmCmd(streams, conn, nil))
	return cmd
}

// blobsLsOptions are the flags of `kaactl blobs ls`.
type blobsLsOptions struct {
	conn *connOptions
	app  string
	list admin.ListOptions
	asc  bool
}

func newBlobsLsCmd(streams ioStreams, conn *connOptions, runF func(context.Context, *blobsLsOptions) error) *cobra.Command {
	o := &blobsLsOptions{conn: conn}
	cmd := &cobra.Command{
		Use:     "ls --app APP",
		Aliases: []string{"list"},
		Short:   "List an application's blobs, newest first",
		Example: `  kaactl blobs ls --app demo --endpoint my-token --size 50`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needFlag("app", o.app); err != nil {
				return err
			}
			if o.list.Page < 0 || o.list.Size < 0 || o.list.Size > 1000 {
				return usageError{fmt.Errorf("--page must be >= 0 and --size in [1, 1000]")}
			}
			if o.asc {
				o.list.Sort = "createdDate,asc"
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runBlobsLs(cmd.Context(), streams, o)
		},
	}
	requireApp(cmd, &o.app)
	f := cmd.Flags()
	f.StringVar(&o.list.EndpointID, "endpoint", "", "only the blobs of this endpoint ID")
	f.IntVar(&o.list.Page, "page", 0, "page number, from 0")
	f.IntVar(&o.list.Size, "size", 20, "page size, 1 to 1000")
	f.BoolVar(&o.asc, "asc", false, "oldest first")
	return cmd
}

func runBlobsLs(ctx context.Context, streams ioStreams, o *blobsLsOptions) error {
	c, err := o.conn.blobs()
	if err != nil {
		return err
	}
	page, err := c.List(ctx, o.app, o.list)
	if err != nil {
		return apiError(err)
	}
	if o.conn.json() {
		return printJSON(streams.out, page)
	}
	t := newTable(streams.out, "ID", "ENDPOINT", "NAME", "SIZE", "CONTENT TYPE", "CREATED")
	for _, b := range page.Content {
		t.row(b.ID, b.EndpointID, orDash(b.Name), b.Size, orDash(b.ContentType), ts(b.CreatedDate))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if page.TotalElements > int64(len(page.Content)) {
		_, err = fmt.Fprintf(streams.err, "%d of %d blobs (page %d, size %d; --page for more)\n",
			len(page.Content), page.TotalElements, page.Page, page.Size)
	}
	return err
}

// blobOptions are the flags of `kaactl blobs get|rm`.
type blobOptions struct {
	conn       *connOptions
	app        string
	endpointID string
	id         string
	outFile    string
}

func (o *blobOptions) bind(cmd *cobra.Command) {
	requireApp(cmd, &o.app)
	cmd.Flags().StringVar(&o.endpointID, "endpoint", "", "endpoint ID (required)")
}

func (o *blobOptions) check(args []string) error {
	o.id = args[0]
	if err := needFlag("app", o.app); err != nil {
		return err
	}
	return needFlag("endpoint", o.endpointID)
}

func newBlobsGetCmd(streams ioStreams, conn *connOptions, runF func(context.Context, *blobOptions) error) *cobra.Command {
	o := &blobOptions{conn: conn}
	cmd := &cobra.Command{
		Use:     "get --app APP --endpoint EP ID",
		Short:   "Download a blob to stdout or to a file (-O)",
		Example: `  kaactl blobs get --app demo --endpoint my-token 0190f3c2 -O photo.jpg`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runBlobsGet(cmd.Context(), streams, o)
		},
	}
	o.bind(cmd)
	cmd.Flags().StringVarP(&o.outFile, "output-file", "O", "", `write to this file instead of stdout ("-": stdout)`)
	return cmd
}

func runBlobsGet(ctx context.Context, streams ioStreams, o *blobOptions) error {
	c, err := o.conn.blobs()
	if err != nil {
		return err
	}
	if o.outFile == "" || o.outFile == "-" {
		_, err = c.Download(ctx, o.app, o.endpointID, o.id, streams.out)
		return apiError(err)
	}
	// Download next to the target and rename: no half-written file on failure.
	f, err := os.CreateTemp(filepath.Dir(o.outFile), "."+filepath.Base(o.outFile)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // no-op after the rename
	n, err := c.Download(ctx, o.app, o.endpointID, o.id, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return apiError(err)
	}
	if err := os.Rename(f.Name(), o.outFile); err != nil {
		return err
	}
	_, err = fmt.Fprintf(streams.err, "wrote %d bytes to %s\n", n, o.outFile)
	return err
}

func newBlobsRmCmd(streams ioStreams, conn *connOptions, runF func(context.Context, *blobOptions) error) *cobra.Command {
	o := &blobOptions{conn: conn}
	cmd := &cobra.Command{
		Use:     "rm --app APP --endpoint EP ID",
		Aliases: []string{"delete"},
		Short:   "Delete a blob",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			c, err := o.conn.blobs()
			if err != nil {
				return err
			}
			if err := c.Delete(cmd.Context(), o.app, o.endpointID, o.id); err != nil {
				return apiError(err)
			}
			if o.conn.json() {
				return printJSON(streams.out, map[string]any{"id": o.id, "deleted": true})
			}
			_, err = fmt.Fprintf(streams.out, "blob %s deleted\n", o.id)
			return err
		},
	}
	o.bind(cmd)
	return cmd
}
