package output

import (
	"fmt"

	"github.com/spf13/pflag"
)

// Printer prints a command's results where its streams go, in the format
// of its -o flag: JSON or YAML for scripts, else text for people.
type Printer struct {
	IO     *IOStreams
	Format Format
}

// NewPrinter prints on ios, as tables and sentences until -o says other.
func NewPrinter(ios *IOStreams) *Printer { return &Printer{IO: ios, Format: FormatTable} }

// BindFlags binds -o/--output.
func (p *Printer) BindFlags(fs *pflag.FlagSet) {
	fs.VarP(&p.Format, "output", "o", "output format: table, json or yaml")
}

// Print writes v as JSON or YAML when -o asks for it, and otherwise calls
// text, which writes for people.
func (p *Printer) Print(v any, text func() error) error {
	if p.Format.Structured() {
		return Write(p.IO.Out, p.Format, v)
	}
	return text()
}

// Say writes one line for people on stdout.
func (p *Printer) Say(format string, args ...any) error {
	_, err := fmt.Fprintf(p.IO.Out, format+"\n", args...)
	return err
}

// Note writes one line for people on stderr, where it stays out of pipes.
func (p *Printer) Note(format string, args ...any) error {
	_, err := fmt.Fprintf(p.IO.ErrOut, format+"\n", args...)
	return err
}

// Columns is how values of type T print as a table: its column names and
// each value's row.
type Columns[T any] struct {
	Header []string
	Row    func(T) []any
}

// Print writes v as -o says, or else a table of items.
func (c Columns[T]) Print(p *Printer, v any, items ...T) error {
	return p.Print(v, func() error {
		t := NewTable(p.IO, c.Header...)
		for _, it := range items {
			t.Row(c.Row(it)...)
		}
		return t.Render()
	})
}

// List prints a listing: none is [] in JSON and YAML.
func (c Columns[T]) List(p *Printer, items []T) error {
	if items == nil {
		items = []T{}
	}
	return c.Print(p, items, items...)
}
