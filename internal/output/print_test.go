package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

type printed struct {
	ID       string            `json:"endpointId"`
	Name     string            `json:"name,omitempty"`
	Status   string            `json:"status"`
	Token    string            `json:"token"`
	Versions []string          `json:"versions"`
	Labels   map[string]string `json:"labels"`
	Size     int64             `json:"size"`
	Created  time.Time         `json:"createdAt"`
	NotAfter *time.Time        `json:"notAfter"`
}

func TestWrite(t *testing.T) {
	v := []printed{{
		ID: "ep-1", Status: "true", Token: "123", Versions: []string{"a-v1", "a-v2"}, Labels: map[string]string{"room": "x: y"},
		Size: 42, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}, {ID: "ep-2", Name: "line\nbreak", Versions: []string{}}}

	var js bytes.Buffer
	if err := Write(&js, FormatJSON, v); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(js.String(), "[\n  {\n    \"endpointId\": \"ep-1\",\n") {
		t.Errorf("json is not indented:\n%s", js.String())
	}
	var ys bytes.Buffer
	if err := Write(&ys, FormatYAML, v); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ys.String(), "- endpointId: ep-1\n  status: \"true\"\n  token: \"123\"\n  versions:\n    - a-v1\n") {
		t.Errorf("yaml is not in block style:\n%s", ys.String())
	}
	// The same document: keys, types and values.
	var fromJSON, fromYAML any
	if err := json.Unmarshal(js.Bytes(), &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(ys.Bytes(), &fromYAML); err != nil {
		t.Fatal(err)
	}
	if norm := normalize(fromYAML); !reflect.DeepEqual(norm, fromJSON) {
		t.Errorf("yaml differs from json:\n%#v\n%#v", norm, fromJSON)
	}

	if err := Write(&bytes.Buffer{}, FormatTable, v); !errors.Is(err, ErrFormat) {
		t.Errorf("table: %v", err)
	}
	if err := Write(&bytes.Buffer{}, FormatJSON, func() {}); err == nil {
		t.Error("a func encoded as json")
	}
	if err := Write(&bytes.Buffer{}, FormatYAML, func() {}); err == nil {
		t.Error("a func encoded as yaml")
	}
}

// normalize turns YAML's decoded numbers into JSON's float64.
func normalize(v any) any {
	switch v := v.(type) {
	case []any:
		for i := range v {
			v[i] = normalize(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = normalize(v[k])
		}
	case int:
		return float64(v)
	}
	return v
}
