package kpc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// mochiLog adapts mochi-mqtt's logging. Its listeners log every connection
// that ends before or without CONNECT as a warning with an empty message
// (e.g. error=EOF when a client or a health probe hangs up). Those get a
// message and, when they are just a peer hanging up, the debug level, so a
// fleet disconnecting does not flood the log with warnings. mochi logs whole
// packets (topics with endpoint tokens, CONNECT passwords): they are
// replaced by a redacted summary.
type mochiLog struct{ slog.Handler }

func newMochiLogger(l *slog.Logger) *slog.Logger {
	return slog.New(mochiLog{l.Handler()})
}

func (h mochiLog) Handle(ctx context.Context, r slog.Record) error {
	msg, level := r.Message, r.Level
	switch msg {
	case "":
		msg = "mqtt connection ended with an error"
		r.Attrs(func(a slog.Attr) bool {
			if err, ok := a.Value.Any().(error); ok && a.Key == "error" && peerHungUp(err) {
				msg, level = "mqtt connection closed by the peer", slog.LevelDebug
			}
			return true
		})
	case mqtt.ErrMinimumKeepalive.Error():
		level = slog.LevelDebug // KPC raises the keepalive to MinKeepalive anyway
	}
	if level != r.Level && !h.Handler.Enabled(ctx, level) {
		return nil
	}
	out := slog.NewRecord(r.Time, level, msg, r.PC)
	r.Attrs(func(a slog.Attr) bool { out.AddAttrs(redactAttr(a)); return true })
	return h.Handler.Handle(ctx, out)
}

// redactAttr replaces a packet by its redacted summary.
func redactAttr(a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindAny {
		return a
	}
	switch pk := a.Value.Any().(type) {
	case packets.Packet:
		return slog.String(a.Key, redactPacket(pk))
	case *packets.Packet:
		if pk != nil {
			return slog.String(a.Key, redactPacket(*pk))
		}
	}
	return a
}

func (h mochiLog) WithAttrs(as []slog.Attr) slog.Handler {
	for i := range as {
		as[i] = redactAttr(as[i])
	}
	return mochiLog{h.Handler.WithAttrs(as)}
}

func (h mochiLog) WithGroup(name string) slog.Handler { return mochiLog{h.Handler.WithGroup(name)} }

func peerHungUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "connection reset by peer")
}
