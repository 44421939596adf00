package kpc

import (
	"slices"
	"testing"
)

func TestSetIndex(t *testing.T) {
	type op struct {
		add bool
		key string
		v   int
	}
	tests := []struct {
		name string
		ops  []op
		want map[string][]int // sorted members per key; keys not listed must be gone
	}{
		{"one", []op{{true, "a", 1}}, map[string][]int{"a": {1}}},
		{"empty key not indexed", []op{{true, "", 1}}, map[string][]int{}},
		{"twice is once", []op{{true, "a", 1}, {true, "a", 1}}, map[string][]int{"a": {1}}},
		{"several", []op{{true, "a", 1}, {true, "a", 2}, {true, "a", 3}, {true, "b", 1}}, map[string][]int{"a": {1, 2, 3}, "b": {1}}},
		{"drop the last", []op{{true, "a", 1}, {false, "a", 1}}, map[string][]int{}},
		{"drop the inline one promotes another", []op{{true, "a", 1}, {true, "a", 2}, {true, "a", 3}, {false, "a", 1}}, map[string][]int{"a": {2, 3}}},
		{"drop all, in any order", []op{{true, "a", 1}, {true, "a", 2}, {true, "a", 3}, {false, "a", 2}, {false, "a", 1}, {false, "a", 3}}, map[string][]int{}},
		{"drop an extra one", []op{{true, "a", 1}, {true, "a", 2}, {false, "a", 2}, {true, "a", 3}}, map[string][]int{"a": {1, 3}}},
		{"drop what is not there", []op{{true, "a", 1}, {false, "a", 2}, {false, "b", 1}}, map[string][]int{"a": {1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := setIndex[int]{}
			for _, o := range tt.ops {
				if o.add {
					ix.add(o.key, o.v)
				} else {
					ix.drop(o.key, o.v)
				}
			}
			if len(ix) != len(tt.want) {
				t.Fatalf("%d keys, want %d: %v", len(ix), len(tt.want), ix)
			}
			for k, want := range tt.want {
				got := ix.values(k)
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("key %q holds %v, want %v", k, got, want)
				}
				if s := ix[k]; len(want) == 1 && s.more != nil {
					t.Errorf("key %q keeps a map for one member", k)
				}
			}
		})
	}
}
