package output

import "fmt"

// Format is how a command prints its result: the value of -o.
// It is a pflag.Value, so that a bad -o fails while the flags are parsed,
// as a usage error naming the choices.
type Format string

// Formats.
const (
	// FormatTable is for people: a table or a sentence (see the package doc).
	FormatTable Format = "table"
	// FormatJSON is indented JSON with the keys of the REST APIs.
	FormatJSON Format = "json"
	// FormatYAML is block-style YAML with the same keys as FormatJSON.
	FormatYAML Format = "yaml"
)

// ParseFormat accepts "table", "json" or "yaml".
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatTable, FormatJSON, FormatYAML:
		return f, nil
	}
	return "", fmt.Errorf("%w %q: want table, json or yaml", ErrFormat, s)
}

// String is the format's name; the zero Format is FormatTable.
func (f *Format) String() string {
	if *f == "" {
		return string(FormatTable)
	}
	return string(*f)
}

// Set parses s into f.
func (f *Format) Set(s string) error {
	v, err := ParseFormat(s)
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// Type names the flag's value in --help: "string", which pflag shows as
// `--output string ... (default "table")` like any other string flag.
func (f *Format) Type() string { return "string" }

// Structured reports whether f is JSON or YAML, for scripts.
func (f Format) Structured() bool { return f == FormatJSON || f == FormatYAML }
