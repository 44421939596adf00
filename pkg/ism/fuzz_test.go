package ism

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the seed corpus in testdata/fuzz")

func FuzzUnmarshalClientData(f *testing.F)    { fuzzUnmarshal[ClientData](f) }
func FuzzUnmarshalExtensionData(f *testing.F) { fuzzUnmarshal[ExtensionData](f) }

// FuzzUnmarshalEndpointTokenRevokedEvent covers arrays, where hamba alone
// can be made to build a slice of negative length.
func FuzzUnmarshalEndpointTokenRevokedEvent(f *testing.F) {
	fuzzUnmarshal[EndpointTokenRevokedEvent](f)
}

// FuzzUnmarshalEndpointTrafficReport covers nested maps and records.
func FuzzUnmarshalEndpointTrafficReport(f *testing.F) { fuzzUnmarshal[EndpointTrafficReport](f) }

// fuzzUnmarshal checks that any input either fails with ErrDecode or decodes
// to a message that survives an encode/decode round trip unchanged (bytes are
// not compared: map entries are encoded in random order). The seeds
// are the files under testdata/fuzz/<FuzzName>.
func fuzzUnmarshal[T any](f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var m T
		if err := Unmarshal(data, &m); err != nil {
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("err = %v, want ErrDecode", err)
			}
			return
		}
		enc, err := Marshal(&m)
		if err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		var again T
		if err := Unmarshal(enc, &again); err != nil {
			t.Fatalf("re-encoding does not decode: %v", err)
		}
		if !reflect.DeepEqual(m, again) {
			t.Fatalf("round trip changed the message:\n%+v\n%+v", m, again)
		}
	})
}

// TestWriteSeedCorpus regenerates testdata/fuzz with -update-corpus: valid
// encodings (full, all-null, the RFC example) and broken ones (truncated,
// trailing byte, hostile length, mutated, random).
func TestWriteSeedCorpus(t *testing.T) {
	if !*updateCorpus {
		t.Skip("run with -update-corpus to rewrite testdata/fuzz")
	}
	rfcCD, _ := hex.DecodeString(rfcClientDataHex)
	rfcED, _ := hex.DecodeString(rfcExtensionDataHex)
	targets := []struct {
		fuzz  string
		name  string // sample name
		extra map[string][]byte
	}{
		{"FuzzUnmarshalClientData", "ClientData", map[string][]byte{"rfc-example": rfcCD}},
		{"FuzzUnmarshalExtensionData", "ExtensionData", map[string][]byte{"rfc-example": rfcED}},
		{"FuzzUnmarshalEndpointTokenRevokedEvent", "EndpointTokenRevokedEvent", map[string][]byte{
			"block-count-minint64": cat([]byte{0, 0, 0, 0, 0}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x02, 0x02, 'x', 0x00, 0x00}),
			"block-with-size":      {0, 0, 0, 0, 0, 0x03, 0x08, 0x02, 'a', 0x02, 'b', 0x00, 0x00},
		}},
		{"FuzzUnmarshalEndpointTrafficReport", "EndpointTrafficReport", nil},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tt := range targets {
		seeds := map[string][]byte{}
		for _, set := range []struct {
			prefix  string
			samples []sample
		}{{"full", fullSamples()}, {"empty", emptySamples()}} {
			for _, s := range set.samples {
				if s.name != tt.name {
					continue
				}
				data, err := Marshal(s.msg)
				if err != nil {
					t.Fatal(err)
				}
				seeds[set.prefix] = data
				if set.prefix == "full" {
					seeds["truncated"] = data[:len(data)/2]
					seeds["trailing-byte"] = append(bytes.Clone(data), 0)
					mutated := bytes.Clone(data)
					for range 3 {
						mutated[rng.IntN(len(mutated))] ^= byte(1 + rng.IntN(255))
					}
					seeds["mutated"] = mutated
				}
			}
		}
		seeds["empty-input"] = []byte{}
		seeds["hostile-length"] = []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 'x'}
		random := make([]byte, 48)
		for i := range random {
			random[i] = byte(rng.Uint32())
		}
		seeds["random"] = random
		for name, data := range tt.extra {
			seeds[name] = data
		}
		dir := filepath.Join("testdata", "fuzz", tt.fuzz)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
