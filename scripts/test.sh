#!/usr/bin/env bash
# Runs every test the way CI does: installs what the tests need, vets, runs
# the whole suite with the race detector, then the README's commands
# (scripts/readme-check.sh; SKIP_README_CHECK=1 skips that, e.g. while a
# kaactl up holds its ports), then the benchmarks' quick mode, which checks that
# they run and prints figures without asserting them (SKIP_BENCH=1 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."

# Test servers (versitygw for S3, mosquitto for baselines) are installed here
# as the suites that need them arrive; see scripts/install-test-deps.sh.
if [ -x scripts/install-test-deps.sh ]; then
  scripts/install-test-deps.sh
fi

echo "== go vet"
go vet ./...

# kaactl (sim and the admin commands, on a firmware team's laptop) builds for
# macOS and Windows too; the benchmark tools that read /proc are Linux-only.
echo "== go vet for darwin and windows"
GOOS=darwin go vet ./...
GOOS=windows go vet ./...

echo "== completions are current"
scripts/completions.sh --check

if [ "$(go env CGO_ENABLED)" != 1 ] || ! command -v "$(go env CC)" >/dev/null; then
  echo "scripts/test.sh: go test -race needs cgo and a C compiler ($(go env CC)): apt-get install gcc" >&2
  exit 1
fi
echo "== go test -race"
go test -race -count=1 -timeout 20m "$@" ./...

echo "== third_party/mochi: the patches to mochi (its own module)"
(cd third_party/mochi && go vet . && go test -race -count=1 -timeout 5m ./...)

echo "== examples/extension (its own module)"
(cd examples/extension && go vet ./... && go test -race -count=1 -timeout 5m ./...)

if [ -z "${SKIP_README_CHECK:-}" ]; then
  echo "== README commands (scripts/readme-check.sh)"
  scripts/readme-check.sh
fi

if [ -z "${SKIP_BENCH:-}" ]; then
  echo "== benchmarks, quick: figures printed, not asserted (scripts/bench.sh --quick)"
  scripts/bench.sh --quick kp http connect idle mem
fi
