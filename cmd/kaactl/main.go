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
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes one command line and turns its error into an exit code.
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(ioStreams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		var ue usageError
		fmt.Fprintln(os.Stderr, "kaactl:", err)
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}
