package cli

import (
	"io"
	"log/slog"

	"github.com/spf13/pflag"
)

// LogFlags are --log-level and --log-format, which every command has.
type LogFlags struct {
	Level  string
	Format string
}

// BindFlags binds the flags (persistent ones, on the root).
func (l *LogFlags) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&l.Level, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&l.Format, "log-format", "text", "log format: text or json")
}

// Logger is the logger the flags ask for, writing to w; flags it cannot
// read are a usage error.
func (l *LogFlags) Logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(l.Level)); err != nil {
		return nil, Usagef("--log-level %q: want debug, info, warn or error", l.Level)
	}
	hopts := &slog.HandlerOptions{Level: lvl}
	switch l.Format {
	case "text":
		return slog.New(slog.NewTextHandler(w, hopts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, hopts)), nil
	default:
		return nil, Usagef("--log-format %q: want text or json", l.Format)
	}
}
