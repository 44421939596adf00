package kpc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestMochiLog(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level // of the handler
		log   func(*slog.Logger)
		want  string // "" = nothing logged
	}{
		{"peer hangup is debug", slog.LevelInfo, func(l *slog.Logger) { l.Warn("", "error", fmt.Errorf("read connection: %w", io.EOF)) }, ""},
		{"peer hangup at debug", slog.LevelDebug, func(l *slog.Logger) { l.Warn("", "error", io.EOF) }, `level=DEBUG msg="mqtt connection closed by the peer" component=mqtt error=EOF`},
		{"other errors stay warnings", slog.LevelInfo, func(l *slog.Logger) { l.Warn("", "error", errors.New("malformed packet")) },
			`level=WARN msg="mqtt connection ended with an error" component=mqtt error="malformed packet"`},
		{"messages pass", slog.LevelInfo, func(l *slog.Logger) { l.Warn("error processing packet", "error", io.EOF) }, `msg="error processing packet"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := newMochiLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level})).With("component", "mqtt"))
			tt.log(l)
			got := buf.String()
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("logged %q, want %q", got, tt.want)
			}
			if got != "" && !strings.Contains(got, "component=mqtt") {
				t.Errorf("logged %q without the component", got)
			}
		})
	}
}
