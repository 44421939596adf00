package output

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table collects rows and prints them on Render: aligned under its header
// on a terminal, tab-separated without the header in a pipe (see the
// package doc). Cells are never truncated or wrapped: they hold IDs and
// tokens that must copy whole.
type Table struct {
	w      io.Writer
	tty    bool
	header []string
	rows   [][]string
}

// NewTable returns a table for ios.Out with the given column names.
func NewTable(ios *IOStreams, header ...string) *Table {
	upper := make([]string, len(header))
	for i, h := range header {
		upper[i] = strings.ToUpper(h)
	}
	return &Table{w: ios.Out, tty: ios.IsStdoutTTY(), header: upper}
}

// Row adds a row; each cell prints as fmt.Sprint does.
func (t *Table) Row(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = cell(c)
	}
	t.rows = append(t.rows, row)
}

// Render writes the table.
func (t *Table) Render() error {
	if !t.tty {
		var b strings.Builder
		for _, r := range t.rows {
			b.WriteString(strings.Join(r, "\t"))
			b.WriteByte('\n')
		}
		_, err := io.WriteString(t.w, b.String())
		return err
	}
	var buf bytes.Buffer
	tbl := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenRows: tw.Off, BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowTop: tw.Off, ShowBottom: tw.Off, ShowHeaderLine: tw.Off, ShowFooterLine: tw.Off},
			},
		})),
		tablewriter.WithConfig(tablewriter.Config{Header: plainCells(), Row: plainCells()}),
		tablewriter.WithTrimSpace(tw.Off),
	)
	tbl.Header(t.header)
	if err := tbl.Bulk(t.rows); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	if err := tbl.Render(); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	// tablewriter pads the last column too; a terminal line ends at its text.
	var out strings.Builder
	for line := range strings.Lines(buf.String()) {
		out.WriteString(strings.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}

// plainCells are left-aligned, as given (no upper-casing, wrapping or
// trimming), two spaces apart.
func plainCells() tw.CellConfig {
	return tw.CellConfig{
		Formatting: tw.CellFormatting{AutoFormat: tw.Off, AutoWrap: tw.WrapNone},
		Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
		Padding:    tw.CellPadding{Global: tw.Padding{Left: tw.Empty, Right: "  ", Overwrite: true}},
	}
}

// cell is c as text on one line: a tab or a line break inside a cell would
// break the row apart.
func cell(c any) string {
	s := fmt.Sprint(c)
	if strings.ContainsAny(s, "\t\r\n") {
		s = strings.NewReplacer("\t", " ", "\r", " ", "\n", " ").Replace(s)
	}
	return s
}

// Time is a table cell for a timestamp: RFC 3339 in local time, "-" for
// none.
func Time(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.RFC3339)
}

// OrDash is a table cell for an optional value: "-" for "".
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
