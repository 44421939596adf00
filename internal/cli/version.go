package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is what `kaactl version` and `kaactl --version` print after
// "kaactl ": the version, the commit, the platform and the Go release.
// version and commit are the release build's ("dev" and "" otherwise,
// when the module's version and the VCS revision of the build stand in).
func Version(version, commit string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		if version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && commit == "" {
				commit = s.Value
			}
		}
	}
	if commit != "" {
		version += " (" + commit + ")"
	}
	return fmt.Sprintf("%s %s/%s %s", version, runtime.GOOS, runtime.GOARCH, runtime.Version())
}
