// Package output is where kaactl's commands write, the way gh's iostreams
// and tableprinter are: IOStreams knows whether stdout and stderr are
// terminals (tests can say so instead), Format is the -o flag (table, json
// or yaml), Table prints rows, and Write prints values as JSON or YAML.
// A Printer is a command's streams with its -o; Columns[T] is how values
// of a type print as a table.
//
// A table is for the reader it goes to. On a terminal its columns are
// aligned under a header of upper-case names. In a pipe it is one line of
// tab-separated values per row, without padding, without color and, as in
// gh, without the header: the first line a script reads is data, and
// `cut -f2` or `while IFS=$'\t' read -r ...` work as they are. Scripts that
// want names should ask for -o json or -o yaml, whose keys are those of the
// REST APIs.
package output
