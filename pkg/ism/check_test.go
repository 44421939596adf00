package ism

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
)

// everyTypeSchema uses each Avro type checkInput knows.
const everyTypeSchema = `{"type":"record","name":"All","fields":[
	{"name":"n","type":"null"},
	{"name":"b","type":"boolean"},
	{"name":"i","type":"int"},
	{"name":"l","type":"long"},
	{"name":"f","type":"float"},
	{"name":"d","type":"double"},
	{"name":"by","type":"bytes"},
	{"name":"s","type":"string"},
	{"name":"fx","type":{"type":"fixed","name":"F3","size":3}},
	{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
	{"name":"u","type":["null","string","long"]},
	{"name":"a","type":{"type":"array","items":{"type":"record","name":"Item","fields":[{"name":"x","type":"int"}]}}},
	{"name":"m","type":{"type":"map","values":"Item"}},
	{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}}
]}`

func mustShape(t *testing.T, schema string) (avro.Schema, *shape) {
	t.Helper()
	s, err := avro.ParseWithCache(schema, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	sh, err := compileShape(s, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s, sh
}

func TestCheckEveryType(t *testing.T) {
	s, sh := mustShape(t, everyTypeSchema)
	value := map[string]any{
		"n": nil, "b": true, "i": int32(-5), "l": int64(1) << 40, "f": float32(1.5), "d": 2.5,
		"by": []byte{1, 2}, "s": "héllo", "fx": [3]byte{7, 8, 9}, "e": "B",
		"u":  map[string]any{"long": int64(-3)},
		"a":  []any{map[string]any{"x": int32(1)}, map[string]any{"x": int32(2)}},
		"m":  map[string]any{"k": map[string]any{"x": int32(3)}},
		"ts": int64(1490262793349),
	}
	for _, cfg := range []avro.Config{{}, {DisableBlockSizeHeader: true}, {BlockLength: 1}} {
		data, err := cfg.Freeze().Marshal(s, value)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkInput(sh, data); err != nil {
			t.Fatalf("%+v: valid input %x rejected: %v", cfg, data, err)
		}
		for n := range len(data) {
			if checkInput(sh, data[:n]) == nil {
				t.Fatalf("%+v: truncated input %x accepted", cfg, data[:n])
			}
		}
		if checkInput(sh, append(data, 0)) == nil {
			t.Fatalf("%+v: trailing byte accepted", cfg)
		}
	}
}

func TestCheckRejects(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		hex    string
		want   string // "" means accepted
	}{
		{"long max length", `"long"`, "ffffffffffffffffff01", ""},
		{"long overflow in 10th byte", `"long"`, "ffffffffffffffffff02", "overflows"},
		{"long 11 bytes", `"long"`, "ffffffffffffffffff8101", "overflows"},
		{"int max length", `"int"`, "ffffffff0f", ""},
		{"int overflow", `"int"`, "ffffffff10", "overflows"},
		{"empty input", `"int"`, "", "truncated"},
		{"bool 2", `"boolean"`, "02", "bad boolean"},
		{"negative length", `"string"`, "01", "negative length"},
		{"length past end", `"bytes"`, "0661", "exceeds"},
		{"union index past end", `["null","string"]`, "04", "out of range"},
		{"union index negative", `["null","string"]`, "01", "out of range"},
		{"enum symbol past end", `{"type":"enum","name":"E","symbols":["A"]}`, "02", "out of range"},
		{"fixed short", `{"type":"fixed","name":"F","size":2}`, "00", "truncated"},
		{"two array blocks", `{"type":"array","items":"int"}`, "0202020400", ""},
		{"block with size", `{"type":"array","items":"int"}`, "03040204" + "00", ""},
		{"block size too small", `{"type":"array","items":"int"}`, "0302020400", "header says"},
		{"block size negative", `{"type":"array","items":"int"}`, "03010200", "bad block size"},
		// hamba turns this count into a slice of negative length.
		{"block count MinInt64", `{"type":"array","items":"string"}`, "ffffffffffffffffff01" + "00" + "020278" + "00", "bad block count"},
		{"block count past input", `{"type":"array","items":"string"}`, "0600" + "00", "exceeds"},
		{"map count past input", `{"type":"map","values":"string"}`, "0400" + "00" + "00", "exceeds"},
		{"map entry", `{"type":"map","values":"string"}`, "02026b027600", ""},
		{"map missing end", `{"type":"map","values":"string"}`, "02026b0276", "truncated"},
		{"trailing", `"int"`, "0000", "trailing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, sh := mustShape(t, tt.schema)
			data, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			err = checkInput(sh, data)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCompileShapeRejectsRecursion(t *testing.T) {
	s, err := avro.ParseWithCache(`{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]}`, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := compileShape(s, 0); err == nil {
		t.Fatal("recursive schema compiled")
	}
}

// TestBlockSizeHeadersAccepted decodes arrays and maps as written by
// encoders that add block byte sizes (hamba's default), not only ours.
func TestBlockSizeHeadersAccepted(t *testing.T) {
	c, err := loadCodec()
	if err != nil {
		t.Fatal(err)
	}
	withSizes := avro.Config{BlockLength: 7}.Freeze()
	for _, msg := range []any{
		&EndpointTokenRevokedEvent{TokenIDs: manyStrings(30)},
		&EndpointConnected{Endpoints: map[string]string{"a": "1", "b": "2"}},
		fullSamples()[7].msg, // EndpointTrafficReport: maps of maps
	} {
		k, _ := kindOf(msg)
		data, err := withSizes.Marshal(c.schemas[k], msg)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := Marshal(msg)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(data, ours) {
			t.Fatalf("%T: expected a different block layout", msg)
		}
		got := newLike(msg)
		if err := Unmarshal(data, got); err != nil {
			t.Fatalf("%T: %v", msg, err)
		}
		if !reflect.DeepEqual(got, msg) {
			t.Fatalf("%T: got %+v", msg, got)
		}
	}
}

func TestCheckErrorsWrapDecode(t *testing.T) {
	err := Unmarshal([]byte{0x01}, &ClientData{})
	if !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), "negative length") {
		t.Fatalf("err = %v", err)
	}
}
