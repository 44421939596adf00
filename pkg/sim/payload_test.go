package sim

import (
	"strings"
	"testing"
	"time"
)

func TestPayloadTemplate(t *testing.T) {
	now := time.UnixMilli(1700000000123)
	tests := []struct {
		in, want, err string
		perRequest    bool
	}{
		{in: "plain", want: "plain"},
		{in: `{"temp":21}`, want: `{"temp":21}`},
		{in: `{"ep":{{endpoint}},"tok":"{{ token }}"}`, want: `{"ep":7,"tok":"t-7"}`},
		{in: `{"n":{{seq}},"ts":{{time}}}`, want: `{"n":42,"ts":1700000000123}`, perRequest: true},
		{in: "{{seq}}{{seq}}", want: "4242", perRequest: true},
		{in: "", want: ""},
		{in: "{{nope}}", err: "unknown placeholder {{nope}}"},
		{in: "a {{seq", err: "no closing"},
	}
	for _, tt := range tests {
		tpl, err := parseTemplate(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || CheckPayloadTemplate(tt.in) == nil {
				t.Errorf("%q: err %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if got := string(tpl.render(7, "t-7", 42, now)); got != tt.want || tpl.perRequest != tt.perRequest {
			t.Errorf("%q: %q (per request %v), want %q (%v)", tt.in, got, tpl.perRequest, tt.want, tt.perRequest)
		}
	}
}
