package blobstore

import (
	"errors"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"app-1", true},
		{"01hf4ecn00g000000000000000", true},
		{"...", true},
		{".hidden", true},
		{"with space", true},
		{"ünïcødé 日本", true},
		{"a%2Fb", true},
		{strings.Repeat("x", MaxNameLen), true},
		{"", false},
		{".", false},
		{"..", false},
		{"a/b", false},
		{"/", false},
		{`a\b`, false},
		{"a\x00b", false},
		{"a\nb", false},
		{"a\tb", false},
		{"\x7f", false},
		{"a\u0085b", false}, // C1 control
		{"\xff", false},     // not UTF-8
		{strings.Repeat("x", MaxNameLen+1), false},
	}
	for _, tc := range tests {
		if got := ValidName(tc.s); got != tc.want {
			t.Errorf("ValidName(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestCheckAddress(t *testing.T) {
	if err := CheckAddress("a", "e", "i"); err != nil {
		t.Fatal(err)
	}
	for _, a := range [][3]string{{"", "e", "i"}, {"a", "..", "i"}, {"a", "e", "x/y"}} {
		if err := CheckAddress(a[0], a[1], a[2]); !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckAddress(%q) = %v, want ErrInvalid", a, err)
		}
	}
	if err := CheckPut(Blob{App: "a", EndpointID: "e"}); err != nil {
		t.Errorf("CheckPut without ID: %v", err)
	}
	if err := CheckPut(Blob{App: "a", EndpointID: "e", ID: "."}); !errors.Is(err, ErrInvalid) {
		t.Errorf("CheckPut with ID \".\": %v", err)
	}
	if err := CheckList("a", ListOptions{}); err != nil {
		t.Errorf("CheckList: %v", err)
	}
	if err := CheckList("a", ListOptions{EndpointID: "a/b"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("CheckList with bad endpoint: %v", err)
	}
}
