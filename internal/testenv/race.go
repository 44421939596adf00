//go:build race

package testenv

// Race reports whether the tests were built with the race detector, whose
// instrumentation makes goroutine stacks and allocations larger.
const Race = true
