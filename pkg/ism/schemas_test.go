package ism

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hamba/avro/v2"
)

// rfcDir finds shared/kaa-rfcs next to the repository by walking up from the
// test's working directory.
func rfcDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		candidate := filepath.Join(dir, "shared", "kaa-rfcs")
		if fi, err := os.Stat(candidate); err == nil && fi.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/kaa-rfcs not found above the working directory")
		}
		dir = parent
	}
}

func TestSchemasMatchRFCs(t *testing.T) {
	rfcs := rfcDir(t)
	entries, err := schemaFS.ReadDir("schemas")
	if err != nil {
		t.Fatal(err)
	}
	folders := map[string]bool{}
	for _, e := range entries {
		embedded, err := schemaFS.ReadFile("schemas/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		folder := e.Name()[:4] // files are named <rfc number>-<name>.avsc
		folders[folder] = true
		rfc, err := os.ReadFile(filepath.Join(rfcs, folder, e.Name()))
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if !bytes.Equal(embedded, rfc) {
			t.Errorf("%s differs from %s/%s", e.Name(), folder, e.Name())
		}
	}
	// Every schema of an RFC we implement is embedded, so a schema added to
	// the RFC is noticed.
	for folder := range folders {
		files, err := filepath.Glob(filepath.Join(rfcs, folder, "*.avsc"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if _, err := schemaFS.ReadFile("schemas/" + filepath.Base(f)); err != nil {
				t.Errorf("%s/%s is not embedded", folder, filepath.Base(f))
			}
		}
	}
}

func TestEverySchemaHasOneKind(t *testing.T) {
	entries, err := schemaFS.ReadDir("schemas")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]kind{}
	for k := range numKinds {
		name := k.schemaFile()
		if prev, dup := used[name]; dup {
			t.Errorf("kinds %d and %d share %s", prev, k, name)
		}
		used[name] = k
	}
	for _, e := range entries {
		if _, ok := used[e.Name()]; !ok {
			t.Errorf("schema %s has no message type", e.Name())
		}
	}
	if len(used) != len(entries) {
		t.Errorf("%d kinds for %d schema files", len(used), len(entries))
	}
}

// TestStructsMatchSchemas checks every message type against its schema: the
// avro tags list the schema's fields in order, and each Go field has the
// type its Avro type decodes into (unions with null are pointers, or nil-able
// []byte for bytes).
func TestStructsMatchSchemas(t *testing.T) {
	c, err := loadCodec()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range fullSamples() {
		k, _ := kindOf(s.msg)
		if err := goTypeFits(c.schemas[k], reflect.TypeOf(s.msg).Elem()); err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
	}
}

func goTypeFits(s avro.Schema, t reflect.Type) error {
	switch s := s.(type) {
	case *avro.RefSchema:
		return goTypeFits(s.Schema(), t)
	case *avro.RecordSchema:
		if t.Kind() != reflect.Struct || t.NumField() != len(s.Fields()) {
			return fmt.Errorf("%s: record %s has %d fields", t, s.Name(), len(s.Fields()))
		}
		for i, f := range s.Fields() {
			sf := t.Field(i)
			if tag := sf.Tag.Get("avro"); tag != f.Name() {
				return fmt.Errorf("%s.%s: tag %q, schema field %d is %q", t.Name(), sf.Name, tag, i, f.Name())
			}
			if err := goTypeFits(f.Type(), sf.Type); err != nil {
				return fmt.Errorf("%s.%s: %w", t.Name(), sf.Name, err)
			}
		}
		return nil
	case *avro.UnionSchema:
		types := s.Types()
		if len(types) != 2 || !s.Nullable() {
			return fmt.Errorf("union %s is not [T, null]", s.String())
		}
		other := types[0]
		if other.Type() == avro.Null {
			other = types[1]
		}
		if other.Type() == avro.Bytes && t == reflect.TypeFor[[]byte]() {
			return nil // nil is null
		}
		if t.Kind() != reflect.Pointer {
			return fmt.Errorf("nullable %s needs a pointer, not %s", other.Type(), t)
		}
		return goTypeFits(other, t.Elem())
	case *avro.MapSchema:
		if t.Kind() != reflect.Map || t.Key().Kind() != reflect.String {
			return fmt.Errorf("map needs map[string]T, not %s", t)
		}
		return goTypeFits(s.Values(), t.Elem())
	case *avro.ArraySchema:
		if t.Kind() != reflect.Slice {
			return fmt.Errorf("array needs a slice, not %s", t)
		}
		return goTypeFits(s.Items(), t.Elem())
	}
	want := map[avro.Type]reflect.Type{
		avro.String:  reflect.TypeFor[string](),
		avro.Bytes:   reflect.TypeFor[[]byte](),
		avro.Int:     reflect.TypeFor[int32](),
		avro.Long:    reflect.TypeFor[int64](),
		avro.Boolean: reflect.TypeFor[bool](),
		avro.Float:   reflect.TypeFor[float32](),
		avro.Double:  reflect.TypeFor[float64](),
	}[s.Type()]
	if t != want {
		return fmt.Errorf("avro %s needs %v, not %s", s.Type(), want, t)
	}
	return nil
}
