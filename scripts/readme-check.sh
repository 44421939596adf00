#!/usr/bin/env bash
# Runs the README as a new user would, so that it cannot drift from what
# kaactl does: every ```sh block, in order, in one bash (variables carry
# over from block to block) with errexit and pipefail, in a copy of the
# clone (so `go install ./cmd/kaactl` works and the files the commands make
# stay out of it), against a `kaactl up` started here on its default ports,
# with a fresh HOME (its data dir is then ~/.local/share/kaactl, as the
# README says).
#
# A block that cannot run here (it runs until Ctrl-C, it needs a host
# elsewhere) has this line right before its opening fence:
#     <!-- readme-check: skip (why) -->
#
# Needs curl, jq, openssl and mosquitto-clients (installed with apt-get when
# missing and this runs as root, as CI does), and the ports of kaactl up
# free: 1883 8883 8081 8080 8008 8090 8070 4222. Called by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

fail() { echo "readme-check: $*" >&2; exit 1; }

missing=()
for tool in curl jq openssl mosquitto_rr mosquitto_pub mosquitto_sub; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing curl jq openssl mosquitto-clients for the README check"
    apt-get update -qq >/dev/null && apt-get install -y -qq curl jq openssl mosquitto-clients >/dev/null
  else
    fail "missing ${missing[*]}: apt-get install curl jq openssl mosquitto-clients"
  fi
fi

for port in 1883 8883 8081 8080 8008 8090 8070 4222; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "port $port is in use (a kaactl up running?): the README's commands use kaactl up's default ports"
  fi
done

work=$(mktemp -d)
uppid=
passed=
cleanup() {
  if [ -n "$uppid" ] && kill -0 "$uppid" 2>/dev/null; then
    kill -INT "$uppid"
    wait "$uppid" || true
  fi
  if [ -n "$passed" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

mkdir -p "$work/bin" "$work/home" "$work/run"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z | xargs -0 tar -cf - | tar -xf - -C "$work/run"
else
  cp -R . "$work/run"
fi
go build -o "$work/bin/kaactl" ./cmd/kaactl
# Go keeps its caches under HOME by default: keep the real ones.
export GOPATH="$(go env GOPATH)" GOMODCACHE="$(go env GOMODCACHE)" GOCACHE="$(go env GOCACHE)"
export HOME="$work/home" PATH="$work/bin:$PATH"
unset XDG_DATA_HOME
for v in $(env | grep -o '^KAA_[A-Z_]*' || true); do unset "$v"; done

kaactl up >"$work/up.log" 2>&1 &
uppid=$!
for _ in $(seq 200); do
  kill -0 "$uppid" 2>/dev/null || { cat "$work/up.log" >&2; fail "kaactl up exited"; }
  if curl -fsS -o /dev/null localhost:8008/health 2>/dev/null && curl -fsS -o /dev/null localhost:8090/health 2>/dev/null; then
    break
  fi
  sleep 0.1
done
curl -fsS -o /dev/null localhost:8008/health || { cat "$work/up.log" >&2; fail "kaactl up not healthy within 20s"; }

# The blocks, each after a line saying where in README.md it starts.
awk '
  /^[[:space:]]*<!-- readme-check: skip/ { skip = 1; next }
  !inblock && /^[[:space:]]*```sh[[:space:]]*$/ {
    inblock = 1
    match($0, /^[[:space:]]*/); indent = RLENGTH
    if (!skip) printf "readme_line=%d\n", NR
    next
  }
  inblock && /^[[:space:]]*```[[:space:]]*$/ { inblock = 0; skip = 0; next }
  inblock && !skip { print substr($0, indent + 1) }
  !inblock && NF { skip = 0 }  # a marker is for the block right after it
' README.md >"$work/readme.sh"
blocks=$(grep -c '^readme_line=' "$work/readme.sh" || true)
[ "$blocks" -gt 0 ] || fail "no \`\`\`sh blocks found in README.md"

echo "== README: $blocks shell blocks against kaactl up"
cd "$work/run"
if ! timeout 300 bash -c '
  set -euo pipefail
  trap '\''echo "readme-check: README.md block at line ${readme_line:-?} failed: $BASH_COMMAND" >&2'\'' ERR
  source "$1"
' readme "$work/readme.sh" >"$work/out.log" 2>&1; then
  tail -n 40 "$work/out.log" >&2
  echo "--- kaactl up:" >&2
  tail -n 20 "$work/up.log" >&2
  fail "a README command failed (they ran in $work/run with HOME=$HOME; the whole output is in $work/out.log)"
fi
passed=1
echo "== README: every command ran as written"
