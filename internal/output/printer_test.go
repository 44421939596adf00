package output

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

type pair struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

var pairs = Columns[pair]{Header: []string{"name", "n"}, Row: func(p pair) []any { return []any{p.Name, p.N} }}

// TestPrinter: -o picks JSON or YAML for a value, the default prints for
// people: sentences on stdout, notes on stderr, tables of rows.
func TestPrinter(t *testing.T) {
	tests := []struct {
		name, format string
		tty          bool
		print        func(*Printer) error
		out, errOut  string
	}{
		{"list in a pipe", "", false, func(p *Printer) error { return pairs.List(p, []pair{{"a", 1}, {"b", 2}}) }, "a\t1\nb\t2\n", ""},
		{"list on a terminal", "", true, func(p *Printer) error { return pairs.List(p, []pair{{"a", 1}}) }, "NAME  N\na     1\n", ""},
		{"empty list as json", "json", false, func(p *Printer) error { return pairs.List(p, nil) }, "[]\n", ""},
		{"one as yaml", "yaml", false, func(p *Printer) error { return pairs.Print(p, pair{"a", 1}, pair{"a", 1}) }, "name: a\nn: 1\n", ""},
		{"sentence", "", false, func(p *Printer) error {
			return p.Print(pair{"a", 1}, func() error { return p.Say("made %s", "a") })
		}, "made a\n", ""},
		{"sentence as json", "json", false, func(p *Printer) error {
			return p.Print(pair{"a", 1}, func() error { return p.Say("made %s", "a") })
		}, "{\n  \"name\": \"a\",\n  \"n\": 1\n}\n", ""},
		{"note", "json", false, func(p *Printer) error { return p.Note("%d of %d", 1, 2) }, "", "1 of 2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := Test()
			ios.SetStdoutTTY(tt.tty)
			p := NewPrinter(ios)
			fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
			p.BindFlags(fs)
			if tt.format != "" {
				if err := fs.Parse([]string{"-o", tt.format}); err != nil {
					t.Fatal(err)
				}
			}
			if err := tt.print(p); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.out || errOut.String() != tt.errOut {
				t.Errorf("stdout %q stderr %q, want %q %q", out, errOut, tt.out, tt.errOut)
			}
		})
	}
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	NewPrinter(New(nil, nil, nil)).BindFlags(fs)
	if err := fs.Parse([]string{"--output", "xml"}); err == nil || !strings.Contains(err.Error(), "want table, json or yaml") {
		t.Errorf("-o xml: %v", err)
	}
}
