#!/usr/bin/env bash
# Installs the servers the test suites run against real: versitygw (S3) for
# pkg/blobstore/s3. Idempotent and quiet when everything is there; called by
# scripts/test.sh.
set -euo pipefail

VERSITYGW_VERSION=v1.8.0

gobin="$(go env GOBIN)"
if [ -z "$gobin" ]; then
  gobin="$(go env GOPATH | cut -d: -f1)/bin"
fi

if ! command -v versitygw >/dev/null 2>&1 && [ ! -x "$gobin/versitygw" ]; then
  echo "== installing versitygw $VERSITYGW_VERSION into $gobin"
  go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
fi
