package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/output"
)

func TestUsage(t *testing.T) {
	if Usage(nil) != nil || IsUsage(nil) {
		t.Error("nil is a usage error")
	}
	base := errors.New("--x: bad")
	err := Usage(base)
	if !IsUsage(err) || err.Error() != "--x: bad" || !errors.Is(err, base) {
		t.Errorf("Usage: %v", err)
	}
	if err := Usagef("--%s is %d", "y", 2); !IsUsage(err) || err.Error() != "--y is 2" {
		t.Errorf("Usagef: %v", err)
	}
	if IsUsage(base) {
		t.Error("a plain error is a usage error")
	}
}

// TestArgChecks: the checks say what is wrong as usage errors, and a group
// prints its help when called alone.
func TestArgChecks(t *testing.T) {
	group := &cobra.Command{Use: "group", RunE: GroupRunE}
	var help bytes.Buffer
	group.SetOut(&help)
	leaf := &cobra.Command{Use: "leaf", Args: ExactArgs(1), RunE: func(*cobra.Command, []string) error { return nil }}
	group.AddCommand(leaf)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"unknown subcommand", GroupRunE(group, []string{"frob"}), `unknown command "frob" for "group"`},
		{"unknown subcommand, args only", GroupArgs(group, []string{"frob"}), `unknown command "frob" for "group"`},
		{"too many args", ExactArgs(1)(leaf, []string{"a", "b"}), "accepts 1 arg(s), received 2"},
		{"flag missing", NeedFlag("app", ""), "--app is required"},
	}
	for _, tt := range tests {
		if !IsUsage(tt.err) || tt.err.Error() != tt.want {
			t.Errorf("%s: %v, want usage error %q", tt.name, tt.err, tt.want)
		}
	}
	if err := errors.Join(GroupArgs(group, nil), ExactArgs(1)(leaf, []string{"a"}), NeedFlag("app", "demo")); err != nil {
		t.Errorf("good calls: %v", err)
	}
	if err := GroupRunE(group, nil); err != nil || !strings.Contains(help.String(), "Available Commands:") {
		t.Errorf("help: %v\n%s", err, help.String())
	}
}

func TestConfirm(t *testing.T) {
	ios, _, _, _ := output.Test()
	if err := Confirm(ios, true, "delete x"); err != nil {
		t.Errorf("--yes: %v", err)
	}
	err := Confirm(ios, false, "delete x")
	if !IsUsage(err) || !errors.Is(err, output.ErrNeedYes) || err.Error() != "delete x: refused without --yes (no terminal to ask on)" {
		t.Errorf("in a script: %v", err)
	}
}
