package sim

import (
	"fmt"
)

// fdMargin is what a run needs besides its connections: stdio, the
// provisioning clients, DNS, the files it reads.
const fdMargin = 64

// filesNeeded is about how many file descriptors a run of o opens: one
// connection per endpoint to KPC, and one to BCX per uploading endpoint.
func filesNeeded(o Options) uint64 {
	n := o.Endpoints
	if o.Scenario.Has(ScenarioUpload) {
		n += o.Scenario.Counts(o.Endpoints)[ScenarioUpload]
	}
	return uint64(n) + fdMargin
}

// checkFiles makes sure the process may open need files before anything is
// dialed: a fleet over the limit would fail thousands of connections with
// "too many open files". It raises the soft limit (to need, up to the hard
// one) when that is enough; otherwise it says what to do. get and set are
// getrlimit and setrlimit of RLIMIT_NOFILE.
func checkFiles(need uint64, get func() (soft, hard uint64, err error), set func(soft, hard uint64) error) error {
	soft, hard, err := get()
	if err != nil || need <= soft {
		return nil // cannot tell: let the run find out
	}
	if need <= hard {
		if err := set(need, hard); err == nil {
			return nil
		}
	}
	if need > hard {
		return fmt.Errorf("%s endpoints need about %s open files and this process may open %s (ulimit -n; hard limit %s): "+
			"raise the hard limit first (as root, in /etc/security/limits.conf, or LimitNOFILE= for a service), then ulimit -n %d; or use fewer --endpoints",
			Thousands(int64(need-fdMargin)), Thousands(int64(need)), Thousands(int64(soft)), Thousands(int64(hard)), need)
	}
	return fmt.Errorf("%s endpoints need about %s open files and this process may open %s: run ulimit -n %d first, or use fewer --endpoints",
		Thousands(int64(need-fdMargin)), Thousands(int64(need)), Thousands(int64(soft)), need)
}
