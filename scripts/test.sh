#!/usr/bin/env bash
# Runs every test the way CI does: installs what the tests need, vets, and
# runs the whole suite with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."

# Test servers (versitygw for S3, mosquitto for baselines) are installed here
# as the suites that need them arrive; see scripts/install-test-deps.sh.
if [ -x scripts/install-test-deps.sh ]; then
  scripts/install-test-deps.sh
fi

echo "== go vet"
go vet ./...

echo "== completions are current"
scripts/completions.sh --check

echo "== go test -race"
go test -race -count=1 -timeout 20m "$@" ./...

echo "== examples/extension (its own module)"
(cd examples/extension && go vet ./... && go test -race -count=1 -timeout 5m ./...)
