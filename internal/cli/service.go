package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kaactl/kaactl/internal/cliconfig"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

// ServeFlags are the flags of a command that runs services, next to the
// services' own: --config where the command reads one, --drain-timeout.
type ServeFlags struct {
	ConfigPath   string
	DrainTimeout time.Duration
}

// Bind adds --config (when configHelp says what the file holds) and
// --drain-timeout (when drainHelp says what a drain waits for); drain is
// the drain timeout either way.
func (s *ServeFlags) Bind(fs *pflag.FlagSet, configHelp string, drain time.Duration, drainHelp string) {
	if configHelp != "" {
		fs.StringVar(&s.ConfigPath, cliconfig.ConfigFlag, "", configHelp)
	}
	s.DrainTimeout = drain
	if drainHelp != "" {
		fs.DurationVar(&s.DrainTimeout, "drain-timeout", drain, drainHelp)
	}
}

// Flags returns s: options that embed ServeFlags have it for
// ServiceOptions.
func (s *ServeFlags) Flags() *ServeFlags { return s }

// Setup is what a service command does first: apply --config to the
// command's flags (so that a file can set --log-level too), then make the
// logger, writing to logOut. A setting the file gets wrong is a usage
// error.
func (s *ServeFlags) Setup(cmd *cobra.Command, logOut io.Writer, log *LogFlags) (*slog.Logger, kaaconfig.AppConfig, error) {
	var apps kaaconfig.AppConfig
	if s.ConfigPath != "" {
		var err error
		if apps, err = cliconfig.Load(cmd.Flags(), s.ConfigPath); err != nil {
			if errors.Is(err, cliconfig.ErrSetting) {
				return nil, apps, Usage(err)
			}
			return nil, apps, err
		}
	}
	logger, err := log.Logger(logOut)
	return logger, apps, err
}

// Service is what every command that runs services runs.
type Service interface {
	Start(context.Context) error
	Shutdown(context.Context) error
}

// RunService builds a service (options it refuses are a usage error),
// starts it, calls started (if set), waits for ctx to end (SIGINT,
// SIGTERM) and drains it within drain.
func RunService[S Service](ctx context.Context, build func() (S, error), drain time.Duration, started func(S)) error {
	svc, err := build()
	if err != nil {
		return Usage(err)
	}
	if err := svc.Start(ctx); err != nil {
		return err
	}
	if started != nil {
		started(svc)
	}
	<-ctx.Done()
	// The drain gets its own deadline: ctx is done already.
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	return svc.Shutdown(sctx)
}

// ServiceOptions are the options of a command that runs one service S:
// the service's own, which bind its flags, and the command's ServeFlags.
type ServiceOptions[S Service] interface {
	BindFlags(*pflag.FlagSet)
	Flags() *ServeFlags
	// Use gives the service the logger and the config file's applications.
	Use(*slog.Logger, kaaconfig.AppConfig)
	// Build is the service's New.
	Build() (S, error)
}

// ServiceCommand completes cmd into a command that runs the service of o:
// its flags and ServeFlags (see Bind), then a RunE that applies --config,
// makes the logger (to logOut) and runs the service until SIGINT/SIGTERM,
// or calls runF when a test passes one.
func ServiceCommand[O ServiceOptions[S], S Service](cmd *cobra.Command, logOut io.Writer, log *LogFlags, o O, runF func(context.Context, O) error,
	configHelp string, drain time.Duration, drainHelp string) *cobra.Command {
	f := o.Flags()
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		logger, apps, err := f.Setup(cmd, logOut, log)
		if err != nil {
			return err
		}
		o.Use(logger, apps)
		if runF != nil {
			return runF(cmd.Context(), o)
		}
		return RunService(cmd.Context(), o.Build, f.DrainTimeout, nil)
	}
	o.BindFlags(cmd.Flags())
	f.Bind(cmd.Flags(), configHelp, drain, drainHelp)
	return cmd
}
