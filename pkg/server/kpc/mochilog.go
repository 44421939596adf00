package kpc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
)

// mochiLog adapts mochi-mqtt's logging. Its listeners log every connection
// that ends before or without CONNECT as a warning with an empty message
// (e.g. error=EOF when a client or a health probe hangs up). Those get a
// message and, when they are just a peer hanging up, the debug level, so a
// fleet disconnecting does not flood the log with warnings.
type mochiLog struct{ slog.Handler }

func newMochiLogger(l *slog.Logger) *slog.Logger {
	return slog.New(mochiLog{l.Handler()})
}

func (h mochiLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Message != "" {
		return h.Handler.Handle(ctx, r)
	}
	hangup := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" {
			if err, ok := a.Value.Any().(error); ok && peerHungUp(err) {
				hangup = true
			}
		}
		return true
	})
	out := slog.NewRecord(r.Time, r.Level, "mqtt connection ended with an error", r.PC)
	if hangup {
		if !h.Handler.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		out = slog.NewRecord(r.Time, slog.LevelDebug, "mqtt connection closed by the peer", r.PC)
	}
	r.Attrs(func(a slog.Attr) bool { out.AddAttrs(a); return true })
	return h.Handler.Handle(ctx, out)
}

func (h mochiLog) WithAttrs(as []slog.Attr) slog.Handler { return mochiLog{h.Handler.WithAttrs(as)} }
func (h mochiLog) WithGroup(name string) slog.Handler    { return mochiLog{h.Handler.WithGroup(name)} }

func peerHungUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "connection reset by peer")
}
