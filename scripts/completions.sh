#!/usr/bin/env bash
# Generates shell completions into completions/ (goreleaser before-hook).
# With --check, fails if the committed files are not current.
set -euo pipefail
cd "$(dirname "$0")/.."
out=completions
if [ "${1:-}" = "--check" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
go build -o "$out/.kaactl" ./cmd/kaactl
for sh in bash zsh fish; do
  "$out/.kaactl" completion "$sh" > "$out/kaactl.$sh"
done
rm -f "$out/.kaactl"
if [ "${1:-}" = "--check" ]; then
  for sh in bash zsh fish; do
    if ! cmp -s "$out/kaactl.$sh" "completions/kaactl.$sh"; then
      echo "completions/kaactl.$sh is stale: run scripts/completions.sh" >&2
      exit 1
    fi
  done
fi
