package cli

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestLogFlags(t *testing.T) {
	tests := []struct {
		args  []string
		debug bool
		want  string // in the line logged, or the usage error
	}{
		{nil, false, "level=INFO msg=hello"},
		{[]string{"--log-level", "debug", "--log-format", "json"}, true, `"msg":"hello"`},
		{[]string{"--log-level", "loud"}, false, `--log-level "loud": want debug, info, warn or error`},
		{[]string{"--log-format", "xml"}, false, `--log-format "xml": want text or json`},
	}
	for _, tt := range tests {
		l := &LogFlags{}
		fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
		l.BindFlags(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		log, err := l.Logger(&out)
		if err != nil {
			if !IsUsage(err) || err.Error() != tt.want {
				t.Errorf("%v: %v, want usage error %q", tt.args, err, tt.want)
			}
			continue
		}
		log.Info("hello")
		if !strings.Contains(out.String(), tt.want) || log.Enabled(context.Background(), slog.LevelDebug) != tt.debug {
			t.Errorf("%v: logged %q", tt.args, out.String())
		}
	}
}
