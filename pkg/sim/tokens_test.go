package sim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadTokens(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		err      bool
	}{
		{"lines", "a\nb\n\n# note\nc\n", []string{"a", "b", "c"}, false},
		{"csv with header", "token,name\nt1,dev one\n\"t,2\",x\n", []string{"t1", "t,2"}, false},
		{"empty token", "a\n,x\n", nil, true},
		{"broken csv", "\"a,b\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readTokens(strings.NewReader(tt.in))
			if (err != nil) != tt.err || strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, %v", got, err)
			}
		})
	}
}

func TestReadTokensFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.txt")
	if err := os.WriteFile(path, []byte("one\ntwo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokens, err := readTokensFile(path, 2)
	if err != nil || tokens(0) != "one" || tokens(1) != "two" {
		t.Errorf("tokens %v", err)
	}
	if _, err := readTokensFile(path, 3); err == nil || !strings.Contains(err.Error(), "has 2 tokens for 3 endpoints") {
		t.Errorf("3 endpoints: %v", err)
	}
	if _, err := readTokensFile(filepath.Join(t.TempDir(), "none"), 1); err == nil || !strings.HasPrefix(err.Error(), "--tokens-file: ") {
		t.Errorf("missing file: %v", err)
	}
}
