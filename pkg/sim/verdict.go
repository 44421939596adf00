package sim

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The verdict of a run (Config.Verdict): a command exits 1 for ErrRunFailed
// and 130 for ErrInterrupted, after printing the report either way.
var (
	ErrRunFailed   = errors.New("run failed")
	ErrInterrupted = errors.New("run interrupted")
)

// Verdict says whether a run passed: nil, or an error that says why in one
// line and wraps ErrInterrupted (the run was stopped before its end) or
// ErrRunFailed. A run fails, whatever --fail-on says, when an endpoint never
// connected, or, without --reconnect, when a connection failed or was lost.
// Then --fail-on decides, when given; without it any error fails the run
// (with --reconnect, but for the connection errors it is about).
func (c *Config) Verdict(rep Report) error {
	if rep.Interrupted {
		return fmt.Errorf("%w: the report is of the run so far", ErrInterrupted)
	}
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrRunFailed, fmt.Sprintf(format, a...))
	}
	why := func(kind string) string {
		if s := rep.ErrorSamples[kind]; s != "" {
			return ": " + s
		}
		return ""
	}
	if rep.NeverConnected > 0 {
		reason := why("connect")
		if reason == "" { // refused another way (an auth_<reason> kind, say): the commonest reason
			for _, k := range byCount(rep.Errors) {
				if reason = why(k); reason != "" {
					break
				}
			}
		}
		return fail("%s of %s endpoints failed to connect%s", Thousands(int64(rep.NeverConnected)), Thousands(int64(rep.Endpoints)), reason)
	}
	if !c.Reconnect {
		if rep.ConnectFailures > 0 {
			return fail("%s reconnects failed%s", Thousands(rep.ConnectFailures), why("connect"))
		}
		if rep.Lost > 0 {
			return fail("%s connections were lost (--reconnect connects again)%s", Thousands(rep.Lost), why("disconnected"))
		}
	}
	if len(c.failOn.Conds) > 0 {
		if held := c.failOn.Check(rep); len(held) > 0 {
			return fail("%s", strings.Join(held, ", "))
		}
		return nil
	}
	errs := maps.Clone(rep.Errors)
	if c.Reconnect {
		delete(errs, "connect")
		delete(errs, "disconnected")
	}
	var n int64
	for _, v := range errs {
		n += v
	}
	if n == 0 {
		return nil
	}
	kinds := byCount(errs)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = k + " " + Thousands(errs[k])
	}
	return fail("%s errors (%s)%s (--fail-on sets what a run may have)", Thousands(n), strings.Join(parts, ", "), why(kinds[0]))
}

// byCount lists the error kinds of errs, the commonest first.
func byCount(errs map[string]int64) []string {
	return slices.SortedFunc(maps.Keys(errs), func(a, b string) int { return cmp.Or(cmp.Compare(errs[b], errs[a]), cmp.Compare(a, b)) })
}

// Thousands writes n with thousands separators: 3,985.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
