package cli

import (
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	if got := Version("v1.2.3", "abc123"); got != "v1.2.3 (abc123) "+runtime.GOOS+"/"+runtime.GOARCH+" "+runtime.Version() {
		t.Errorf("release build: %q", got)
	}
	if got := Version("dev", ""); !strings.HasSuffix(got, runtime.GOOS+"/"+runtime.GOARCH+" "+runtime.Version()) || strings.HasPrefix(got, " ") {
		t.Errorf("dev build: %q", got)
	}
}
