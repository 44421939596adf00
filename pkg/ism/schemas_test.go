package ism

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
)

var updateRFCHashes = flag.Bool("update-rfc-hashes", false, "rewrite testdata/rfc-schemas.sha256 from the RFCs (KAA_RFCS or shared/kaa-rfcs)")

// rfcHashes is the file of the RFC schemas' SHA-256 sums, in the repository
// so that the comparison runs in any clone: "<sum>  <rfc>/<file>.avsc".
const rfcHashes = "testdata/rfc-schemas.sha256"

// rfcDir finds the Kaa RFCs: $KAA_RFCS, or shared/kaa-rfcs in a directory
// above the test's; "" when there are none.
func rfcDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("KAA_RFCS"); d != "" {
		return d
	}
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
			return ""
		}
		dir = parent
	}
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// readHashes reads rfcHashes: file (<rfc>/<name>) -> SHA-256.
func readHashes(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(rfcHashes)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		h, file, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("%s: bad line %q", rfcHashes, line)
		}
		out[file] = h
	}
	return out
}

// TestSchemasMatchRFCs: the embedded schemas are the RFCs' own, byte for
// byte: against the sums of the RFC files kept in the repository (so it
// runs in any clone), and, when the RFCs are at hand (KAA_RFCS, or a
// shared/kaa-rfcs above), against the RFC files themselves, which also
// checks that the sums are current and that every schema of an RFC we
// implement is embedded.
func TestSchemasMatchRFCs(t *testing.T) {
	entries, err := schemaFS.ReadDir("schemas")
	if err != nil {
		t.Fatal(err)
	}
	embedded := map[string]string{} // <rfc>/<name> -> sum
	for _, e := range entries {
		data, err := schemaFS.ReadFile("schemas/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		embedded[e.Name()[:4]+"/"+e.Name()] = sum(data) // files are named <rfc number>-<name>.avsc
	}
	if rfcs := rfcDir(t); rfcs == "" {
		t.Log("no Kaa RFCs at hand (KAA_RFCS, shared/kaa-rfcs): comparing with " + rfcHashes + " only")
	} else {
		fromRFCs := map[string]string{}
		for file := range embedded {
			folder := filepath.Dir(file)
			files, err := filepath.Glob(filepath.Join(rfcs, folder, "*.avsc"))
			if err != nil || len(files) == 0 {
				t.Fatalf("%s: no schemas of RFC %s (%v)", rfcs, folder, err)
			}
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				fromRFCs[folder+"/"+filepath.Base(f)] = sum(data)
			}
		}
		if *updateRFCHashes {
			var b strings.Builder
			for _, file := range slices.Sorted(maps.Keys(fromRFCs)) {
				fmt.Fprintf(&b, "%s  %s\n", fromRFCs[file], file)
			}
			if err := os.WriteFile(rfcHashes, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if recorded := readHashes(t); !maps.Equal(recorded, fromRFCs) {
			t.Errorf("%s is not the RFCs' (%s): rerun with -update-rfc-hashes", rfcHashes, rfcs)
		}
	}
	recorded := readHashes(t)
	for file, h := range embedded {
		if want, ok := recorded[file]; !ok {
			t.Errorf("%s is embedded but no RFC schema", file)
		} else if h != want {
			t.Errorf("%s differs from the RFC's", file)
		}
	}
	for file := range recorded {
		if _, ok := embedded[file]; !ok {
			t.Errorf("%s of an RFC we implement is not embedded", file)
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
