package tui

import (
	"context"
	"io"

	"github.com/kaactl/kaactl/pkg/admin"
)

// RunConfig opens the sessions cfg says how to reach (over NATS with their
// ELCE events, or one replica's REST API without), runs the view on them
// as Run does, and closes them.
func RunConfig(ctx context.Context, cfg *admin.SessionsConfig, in io.Reader, out io.Writer) error {
	s, err := cfg.Open()
	if err != nil {
		return err
	}
	defer s.Close()
	o := Options{Source: s.Source}
	if s.NATS != nil {
		if o.Events, err = s.NATS.Watch(ctx); err != nil {
			return err
		}
	}
	return Run(ctx, o, in, out)
}
