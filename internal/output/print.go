package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// Write prints v as f says: indented JSON, or YAML with the same keys (v is
// encoded as JSON first, so that its json tags name the keys in both). A
// table is the command's own business, so FormatTable is an error here.
func Write(w io.Writer, f Format, v any) error {
	switch f {
	case FormatJSON:
		return WriteJSON(w, v)
	case FormatYAML:
		return WriteYAML(w, v)
	}
	return fmt.Errorf("%w %q: want json or yaml", ErrFormat, f)
}

// WriteJSON prints v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteYAML prints v as block-style YAML with the keys and values of its
// JSON encoding.
func WriteYAML(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	// JSON is YAML: decode it into a node tree, then forget its flow style
	// and quotes so that it prints in block style.
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("yaml: %w", err)
	}
	blockStyle(&doc)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("yaml: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// blockStyle clears the styles of n and its children. The encoder quotes a
// string again wherever it would otherwise read as another type.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}
