package sim

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseMix: any input gives a mix or an error, never a panic, and a
// parsed mix reads back the same from its String.
func FuzzParseMix(f *testing.F) {
	for _, s := range []string{"kp", "upload", "connect", "kp=80,upload=15,connect=5", "kp=0,upload=1", " kp = 3 ", "kp,,upload", "kp=99999999999999999999", "=", ",", "kp=1=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMix(s)
		if err != nil {
			return
		}
		if m.total() <= 0 {
			t.Fatalf("%q: mix %v with total %d", s, m, m.total())
		}
		back, err := ParseMix(m.String())
		if err != nil || back.String() != m.String() {
			t.Fatalf("%q: %q reads back as %q, %v", s, m.String(), back.String(), err)
		}
		for i, sc := range m.Assign(50) {
			if !m.Has(sc) {
				t.Fatalf("%q: endpoint %d gets %q, which has no weight", s, i, sc)
			}
		}
	})
}

// FuzzParseFailOn: never a panic; a parsed condition list checks a report.
func FuzzParseFailOn(f *testing.F) {
	for _, s := range []string{"p99>200ms", "errors>0.1%", "rps<500", "p50>=1s,max>2s", "errors>0", "p99>>1", "%", "errors>%", "rps<-1e308"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseFailOn(s)
		if err != nil {
			return
		}
		_ = c.Check(Report{Requests: 10, Errors: map[string]int64{"timeout": 1}})
		_ = c.Check(Report{})
	})
}

// FuzzPayloadTemplate: a valid template renders without placeholders left.
func FuzzPayloadTemplate(f *testing.F) {
	for _, s := range []string{"plain", `{"n":{{seq}}}`, "{{endpoint}}{{token}}", "{{", "}}{{", "{{ time }}", "{{{{seq}}}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := parseTemplate(s)
		if err != nil {
			return
		}
		out := string(tpl.render(3, "tok", 9, time.UnixMilli(5)))
		for name := range placeholders {
			if strings.Contains(s, "{{"+name+"}}") && strings.Contains(out, "{{"+name+"}}") && !strings.Contains(s, "{{{{") {
				t.Fatalf("%q renders as %q with {{%s}} left", s, out, name)
			}
		}
	})
}
