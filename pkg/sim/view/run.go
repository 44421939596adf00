package view

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/sim"
)

// cleanupTimeout bounds the clean-up after a run, which may have been
// interrupted: it gets a deadline of its own.
const cleanupTimeout = 2 * time.Minute

// Run is a whole simulation c describes, shown to the person who started it
// (what `kaactl sim` does once its flags are read): provisioning with a
// progress counter on errOut, the run on the dashboard (when errOut is a
// terminal, unless c.NoDashboard) or the progress line, the report on out
// in c.Output, the clean-up of c.Cleanup (after an interrupted or failed
// run too), and the run's verdict (sim.Config.Verdict). API errors read as
// admin.Explain makes them.
func Run(ctx context.Context, c *sim.Config, out, errOut io.Writer) error {
	f, _ := errOut.(*os.File)
	tty := IsTerminal(f)
	c.ProvisionProgress = NewCounter(errOut, tty, "provisioning endpoints")
	o, err := c.Prepare(ctx, errOut)
	if err != nil {
		return admin.Explain(err, "")
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	v := New(errOut, !c.NoDashboard && tty, cancel)
	rep, runErr := sim.Run(rctx, o, v.Update)
	v.Close()
	if runErr == nil {
		runErr = rep.Write(output.New(nil, out, errOut), c.Output)
	}
	if runErr == nil {
		runErr = c.Verdict(rep)
	}
	if c.Cleanup {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if err := c.CleanUp(cctx, rep, errOut); err != nil {
			if runErr == nil {
				return admin.Explain(err, "")
			}
			fmt.Fprintln(errOut, "kaactl:", admin.Explain(err, ""))
		}
	}
	return runErr
}
