package sim

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"
)

// readTokensFile reads the tokens of n endpoints from path (see readTokens).
func readTokensFile(path string, n int) (func(i int) string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--tokens-file: %w", err)
	}
	tokens, err := readTokens(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("--tokens-file %s: %w", path, err)
	}
	if len(tokens) < n {
		return nil, fmt.Errorf("--tokens-file %s has %d tokens for %d endpoints", path, len(tokens), n)
	}
	return func(i int) string { return tokens[i] }, nil
}

// readTokens reads one token per line, or the first column of a CSV file
// (a header whose first cell is "token" is skipped). Blank lines and lines
// starting with # are ignored.
func readTokens(r io.Reader) ([]string, error) {
	var lines []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var tokens []string
	for i, line := range lines {
		tok := line
		if strings.ContainsAny(line, ",\"") {
			rec, err := csv.NewReader(strings.NewReader(line)).Read()
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
			tok = strings.TrimSpace(rec[0])
		}
		if i == 0 && strings.EqualFold(tok, "token") {
			continue
		}
		if tok == "" {
			return nil, fmt.Errorf("line %d: empty token", i+1)
		}
		tokens = append(tokens, tok)
	}
	return tokens, nil
}
