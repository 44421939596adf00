package output

import (
	"errors"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr bool
	}{
		{"table", FormatTable, false},
		{"json", FormatJSON, false},
		{"yaml", FormatYAML, false},
		{"", "", true},
		{"JSON", "", true},
		{"xml", "", true},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseFormat(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && (!errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "want table, json or yaml")) {
			t.Errorf("ParseFormat(%q): error %q does not name the choices", tt.in, err)
		}
	}
}

// TestFormatFlag: -o is parsed (and refused) with the other flags.
func TestFormatFlag(t *testing.T) {
	tests := []struct {
		args    []string
		want    Format
		wantErr string
	}{
		{nil, FormatTable, ""},
		{[]string{"-o", "yaml"}, FormatYAML, ""},
		{[]string{"--output=json"}, FormatJSON, ""},
		{[]string{"-o", "xml"}, "", `invalid argument "xml" for "-o, --output" flag: unknown output format "xml": want table, json or yaml`},
	}
	for _, tt := range tests {
		f := FormatTable
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		fs.VarP(&f, "output", "o", "output format: table, json or yaml")
		err := fs.Parse(tt.args)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%v: error %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || f != tt.want {
			t.Errorf("%v: %q, %v", tt.args, f, err)
		}
		if def := fs.Lookup("output").DefValue; def != "table" {
			t.Errorf("default %q", def)
		}
	}
	var zero Format
	if zero.String() != "table" || zero.Type() != "string" || zero.Structured() || !FormatYAML.Structured() {
		t.Errorf("zero format %q type %q", zero.String(), zero.Type())
	}
}
