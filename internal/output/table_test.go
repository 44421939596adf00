package output

import (
	"testing"
	"time"
)

func TestTable(t *testing.T) {
	rows := func(tb *Table) {
		tb.Row("demo", "demo-v1", false, 3)
		tb.Row("thermo", "thermo-v1,thermo-v2", true, OrDash(""))
		tb.Row("tab\there", "line\nbreak", true, 12345)
	}
	tests := []struct {
		name string
		tty  bool
		rows func(*Table)
		want string
	}{
		{"terminal", true, rows, "" +
			"NAME      VERSIONS             AUTO   SIZE\n" +
			"demo      demo-v1              false  3\n" +
			"thermo    thermo-v1,thermo-v2  true   -\n" +
			"tab here  line break           true   12345\n"},
		{"pipe", false, rows, "" +
			"demo\tdemo-v1\tfalse\t3\n" +
			"thermo\tthermo-v1,thermo-v2\ttrue\t-\n" +
			"tab here\tline break\ttrue\t12345\n"},
		{"empty on a terminal", true, func(*Table) {}, "NAME  VERSIONS  AUTO  SIZE\n"},
		{"empty in a pipe", false, func(*Table) {}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := Test()
			ios.SetStdoutTTY(tt.tty)
			tb := NewTable(ios, "name", "Versions", "AUTO", "size")
			tt.rows(tb)
			if err := tb.Render(); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestCells(t *testing.T) {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if got, want := Time(ts), ts.Local().Format(time.RFC3339); got != want {
		t.Errorf("Time %q, want %q", got, want)
	}
	if got := Time(time.Time{}); got != "-" {
		t.Errorf("zero Time %q", got)
	}
	if OrDash("") != "-" || OrDash("x") != "x" {
		t.Errorf("OrDash %q %q", OrDash(""), OrDash("x"))
	}
}
