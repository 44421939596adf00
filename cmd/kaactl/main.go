// Command kaactl is the Kaa Protocol edge (KPC), the blob extension (BCX) and
// the tools around them, in one binary.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/sim"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes one command line and turns its error into an exit code.
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(output.System())
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "kaactl:", err)
		return exitCode(err)
	}
	return 0
}

// exitCode is the exit status of a command's error: 2 for a usage error,
// 130 for an interrupted run (what a shell reports for SIGINT), 1 for any
// other failure.
func exitCode(err error) int {
	switch {
	case cli.IsUsage(err):
		return 2
	case errors.Is(err, sim.ErrInterrupted):
		return 130
	default:
		return 1
	}
}
