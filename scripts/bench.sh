#!/usr/bin/env bash
# Benchmarks, each next to a baseline measured in the same run; ratios printed, never asserted.
#
#   scripts/bench.sh [--quick] [SECTION...]      (default: kp)
#
#   kp       1/KP over MQTT, 256 B, closed loop: QoS 0 and QoS 1 with CLIENTS clients, and QoS 1 with
#            CLIENTS clients × INFLIGHT requests in flight each; KPC (`kaactl up --auto-register`) vs
#            mosquitto (set_tcp_nodelay true) with a kpbench responder doing the extension's job.
#   http     1/KP over HTTP (POST /kp1/demo-v1/echo/<token>/ping to KPC's HTTP listener, keep-alive,
#            one request in flight per client) with HTTP_CLIENTS clients, vs the floor: a bare
#            nats.go request/reply pair (kpbench nats-load + nats-responder) on a nats-server, same
#            payload and client counts.
#   connect  MQTT connects/s of CONNECT_CLIENTS clients held open, the server's CPU and page faults
#            per connect, and its resident memory per idle session: KPC anonymous and with basic auth
#            through the CAP provider, mosquitto anonymous and with a password_file made by
#            mosquitto_passwd; CONNECT_ROUNDS rounds of all four, each KPC case right after its
#            mosquitto baseline; the ratios of each round and their medians.
#   idle     KPC 1/KP QoS 1 throughput (CLIENTS × INFLIGHT) with no other session, then with IDLE
#            idle sessions held open by connbench, same KPC; both and the ratio (goal ≥ 0.9).
#   mem      resident memory per session at MEM_CLIENTS sessions: idle, and after each session made
#            MEM_REQUESTS requests with its own token (resolved, not registered: the tokens are
#            registered by a first KPC run), KPC vs mosquitto + responder.
#   upload   BCX upload (S3 backend) vs a direct S3 PutObject of the same bytes to the same
#            versitygw, SIZES (1MiB,64MiB,1GiB), best of ROUNDS (5), and BCX peak RSS growth.
#   startup  `kaactl up` from exec to ready (KPC and BCX /health 200), first start on an empty data
#            dir and restart on an existing one, 10 runs each.
#   sim      `kaactl sim` with the same load against mosquitto + an MQTT responder and against
#            `kaactl up --auto-register`, so the simulator's own ceiling shows: closed loop with
#            ENDPOINTS endpoints, then a fleet of FLEET endpoints at FLEET_RATE requests/s each,
#            connecting at CONNECT_RATE/s.
#   sessions `kaactl sessions ls`: time to gather SESSIONS sessions from two KPC replicas (`kaactl
#            serve kpc` processes on one NATS), and the TUI's frame time at 10,000 sessions.
#   all      all of them.
#
# --quick: tiny counts and 1 s runs (kp, http, connect, idle and mem: 2.5–3.5 min with builds on 2
# cores shared with other work; each section prints its time); scripts/test.sh runs
# `scripts/bench.sh --quick kp http connect idle mem`.
# Any variable below set in the environment wins over --quick's value.
#
# Environment (default; --quick):
#   DURATION (10s; 1s) measured run, WARMUP (2s; 500ms) unmeasured run before it, SIZE (256) bytes,
#   CLIENTS (50; 10), INFLIGHT (2), HTTP_CLIENTS ("20 50"; "5 10"), CONNECT_CLIENTS (10000; 300),
#   CONNECT_ROUNDS (5; 1), IDLE (10000; 1000), MEM_CLIENTS (10000; 300), MEM_REQUESTS (10; 3),
#   SETTLE (2s; 500ms) wait before reading a server's memory;
#   sim: ENDPOINTS ("50 500"), FLEET (10000, 0 skips it), FLEET_RATE (0.5), CONNECT_RATE (2000),
#   FLEET_DURATION (20s); sessions: SESSIONS (10000); upload: SIZES, ROUNDS;
#   PROFILE_DIR=dir: KPC runs with --pprof and each KPC section saves a CPU profile of KPC taken
#   during its measured run and a heap profile after it (while sessions are held, for idle, connect
#   and mem) as dir/<section>[-<case>]-cpu.pprof and -heap.pprof; PROFILE_SECONDS (3; 1) is the CPU
#   profile's length where the run has no fixed duration (connect, mem). Skipped with a message if
#   the kaactl built here has no --pprof.
set -euo pipefail -o errtrace
[ -n "${PROFILE_DIR:-}" ] && PROFILE_DIR=$(realpath -m "$PROFILE_DIR")
cd "$(dirname "$0")/.."

quick=""
sections=()
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "scripts/bench.sh: unknown option $a (try --help)" >&2; exit 2 ;;
    *) sections+=("$a") ;;
  esac
done
[ ${#sections[@]} -eq 0 ] && sections=(kp)
if [ -n "$quick" ]; then
  : "${DURATION:=1s}" "${WARMUP:=500ms}" "${CLIENTS:=10}" "${HTTP_CLIENTS:=5 10}" "${CONNECT_CLIENTS:=300}"
  : "${IDLE:=1000}" "${MEM_CLIENTS:=300}" "${MEM_REQUESTS:=3}" "${SETTLE:=500ms}" "${PROFILE_SECONDS:=1}"
  : "${CONNECT_ROUNDS:=1}"
fi
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CLIENTS=${CLIENTS:-50}
INFLIGHT=${INFLIGHT:-2}
SIZE=${SIZE:-256}
HTTP_CLIENTS=${HTTP_CLIENTS:-20 50}
CONNECT_CLIENTS=${CONNECT_CLIENTS:-10000}
CONNECT_ROUNDS=${CONNECT_ROUNDS:-5}
IDLE=${IDLE:-10000}
MEM_CLIENTS=${MEM_CLIENTS:-10000}
MEM_REQUESTS=${MEM_REQUESTS:-10}
SETTLE=${SETTLE:-2s}
PROFILE_SECONDS=${PROFILE_SECONDS:-3}
work=$(mktemp -d)
profiles=()
section=""
# cleanup stops what the script started and is still running: its background jobs (a pid that
# ended was waited for, so it is never someone else's by now).
cleanup() {
  local p live
  live=$(jobs -p)
  for p in $live; do kill "$p" 2>/dev/null || true; done
  # A server that ignores SIGTERM for long must not keep the script (or CI) waiting.
  for _ in $(seq 1 100); do
    local alive=""
    for p in $live; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for p in $live; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
# A failure names its section and command and shows the logs' last lines, before they go with $work.
# Messages go to fd 9, the script's own stderr: a trap runs inside whatever redirection the
# interrupted command had (run ... 2>log).
exec 9>&2
errline="" errcmd="" died=""
trap 'errline=$LINENO errcmd=$BASH_COMMAND' ERR
on_exit() {
  local rc=$? f
  if [ "$rc" -eq 130 ] || [ "$rc" -eq 143 ]; then
    echo "scripts/bench.sh: interrupted in section ${section:-setup}; stopping what it started" >&9
  elif [ "$rc" -ne 0 ] && [ -z "$died" ]; then
    echo "scripts/bench.sh: section ${section:-setup} failed (exit $rc) at line ${errline:-?}: ${errcmd:-?}" >&9
    for f in "$work"/*.log; do
      [ -s "$f" ] || continue
      echo "--- last lines of ${f##*/}" >&9
      tail -n 5 "$f" >&9
    done
  fi
  cleanup
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
die() { died=1; echo "scripts/bench.sh: ${section:+section $section: }$*" >&9; exit 1; }

# build NAME PACKAGE: go build once per run.
build() {
  [ -x "$work/$1" ] || go build -o "$work/$1" "$2"
}

need_mosquitto() {
  if ! command -v mosquitto >/dev/null && [ ! -x /usr/sbin/mosquitto ]; then
    echo "installing mosquitto (Debian package) for the baseline" >&2
    { apt-get update -qq >/dev/null && apt-get install -y -qq mosquitto >/dev/null; } ||
      die "mosquitto is needed for the baseline and could not be installed (apt-get install mosquitto); SKIP_BENCH=1 skips scripts/test.sh's bench step"
  fi
}

# free_port: a port nothing listens on, below the ephemeral range, so that no outgoing connection
# (10,000 of them from connbench, the tests of others) takes it before our server binds it.
free_port() {
  python3 -c 'import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(1000):
    p = random.randrange(10000, lo if lo > 12000 else 65535)
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()'
}

# seconds DURATION: a Go duration (500ms, 10s, 1m30s) in whole seconds, at least 1.
seconds() {
  python3 -c 'import math, re, sys
u = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
print(max(1, math.ceil(sum(float(n) * u[x] for n, x in re.findall(r"([\d.]+)(ms|s|m|h)", sys.argv[1])))))' "$1"
}

# wait_port PORT PID LOG: until something listens on PORT; fails if PID exits first.
wait_port() {
  for _ in $(seq 1 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || die "process $2 exited before listening on port $1; its log $3:
$(tail -n 20 "$3" 2>/dev/null)"
    sleep 0.05
  done
  die "port $1 never opened in 30 s; log $3:
$(tail -n 20 "$3" 2>/dev/null)"
}

# wait_ready LOG PATTERN PID: until LOG has PATTERN; fails if PID exits first.
wait_ready() {
  for _ in $(seq 1 3000); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || die "process $3 exited before \"$2\"; its log $1:
$(tail -n 20 "$1" 2>/dev/null)"
    sleep 0.1
  done
  die "no \"$2\" in $1 after 300 s:
$(tail -n 20 "$1" 2>/dev/null)"
}

# stop PID: SIGINT and wait, so that the next server starts on a quiet machine.
stop() {
  kill -INT "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# start_baseline NAME: mosquitto (max_connections -1, so fleets fit) with a kpbench responder
# client answering every kp1/ request on <topic>/status. Sets mport, mpid, rpid.
start_baseline() {
  local mosq=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  mport=$(free_port)
  # user: as root, mosquitto would switch to "mosquitto", which cannot read the work dir.
  printf 'listener %s 127.0.0.1\nset_tcp_nodelay true\nallow_anonymous true\nmax_inflight_messages 0\nmax_queued_messages 0\nmax_connections -1\nuser %s\n' \
    "$mport" "$(id -un)" > "$work/$1.conf"
  "$mosq" -c "$work/$1.conf" >"$work/$1.log" 2>&1 &
  mpid=$!
  wait_port "$mport" "$mpid" "$work/$1.log"
  "$work/kpbench" -mode responder -addr "127.0.0.1:$mport" -qos 1 2>"$work/$1-responder.log" &
  rpid=$!
  wait_ready "$work/$1-responder.log" ready "$rpid"
}

# start_up NAME: kaactl up --auto-register (embedded NATS, KPC, echo extension, token provider)
# in one process on free ports, MQTT/TCP and HTTP only, with --pprof when profiling. Sets kport
# (MQTT), khttp (1/KP over HTTP), krest (management), kdata (data dir), provport, upid.
start_up() {
  local extra=() try
  [ "$pprof" = yes ] && extra=(--pprof)
  for try in 1 2 3; do
    kport=$(free_port) provport=$(free_port) khttp=$(free_port) krest=$(free_port) kdata="$work/$1-data"
    "$work/kaactl" up --log-level warn --auto-register --data-dir "$kdata" --nats-addr "127.0.0.1:$(free_port)" \
      --mqtt-addr "127.0.0.1:$kport" --http-addr "127.0.0.1:$khttp" --rest-addr "127.0.0.1:$krest" \
      --mqtts-addr "" --ws-addr "" --https-addr "" --bcx-addr "127.0.0.1:$(free_port)" --provider-addr "127.0.0.1:$provport" \
      "${extra[@]}" >"$work/$1.log" 2>&1 &
    upid=$!
    # A port taken between free_port and the bind: start again on other ports.
    for _ in $(seq 1 600); do
      (exec 3<>"/dev/tcp/127.0.0.1/$khttp") 2>/dev/null || ! kill -0 "$upid" 2>/dev/null && break
      sleep 0.05
    done
    kill -0 "$upid" 2>/dev/null && break
    grep -q "address already in use" "$work/$1.log" || break
    wait "$upid" 2>/dev/null || true
    echo "scripts/bench.sh: kaactl up: a port was taken ($(grep -m1 'address already in use' "$work/$1.log")); again on others" >&2
  done
  wait_port "$kport" "$upid" "$work/$1.log"
  wait_port "$khttp" "$upid" "$work/$1.log"
}

# Profiling (PROFILE_DIR). pprof is yes once the kaactl built here is known to have --pprof.
pprof=no
check_pprof() {
  [ -z "${PROFILE_DIR:-}" ] && return 0
  [ "$pprof" = yes ] && return 0
  if ! command -v curl >/dev/null; then
    [ "$pprof" != skipped ] && echo "PROFILE_DIR=$PROFILE_DIR: profiles are fetched with curl, which is not installed; running without profiles" >&2
    pprof=skipped
  elif "$work/kaactl" up --help 2>&1 | grep -q -- '--pprof'; then
    pprof=yes
    mkdir -p "$PROFILE_DIR"
  elif [ "$pprof" != skipped ]; then
    pprof=skipped
    echo "PROFILE_DIR=$PROFILE_DIR: this kaactl has no --pprof flag (see kaactl up --help); running without profiles" >&2
  fi
}
pprof_get() { # pprof_get PATH OUT: from the KPC started last
  curl -fsS -m 120 -H "Authorization: Bearer $(cat "$kdata/admin.token")" "http://127.0.0.1:$krest/debug/pprof/$1" -o "$2"
}
# profile_cpu NAME SECONDS [LOG]: in the background, a CPU profile of SECONDS, started when the
# kpbench run that follows prints "kpbench measuring" to LOG, or at once without LOG.
cpupid=""
profile_cpu() {
  cpupid=""
  [ "$pprof" = yes ] || return 0
  local out="$PROFILE_DIR/$1-cpu.pprof" log=${3:-}
  [ -n "$log" ] && : > "$log"
  (
    if [ -n "$log" ]; then
      for _ in $(seq 1 1200); do grep -q measuring "$log" 2>/dev/null && break; sleep 0.1; done
    fi
    pprof_get "profile?seconds=$2" "$out" || echo "scripts/bench.sh: no CPU profile $out" >&2
  ) &
  cpupid=$!
  profiles+=("$out")
}
# profile_heap NAME: waits for the CPU profile, then takes a heap profile.
profile_heap() {
  [ "$pprof" = yes ] || return 0
  [ -n "$cpupid" ] && { wait "$cpupid" 2>/dev/null || true; cpupid=""; }
  local out="$PROFILE_DIR/$1-heap.pprof"
  pprof_get "heap?gc=1" "$out" || echo "scripts/bench.sh: no heap profile $out" >&2
  profiles+=("$out")
}

# hold NAME ARGS...: connbench -hold in the background until all its connections are up; its
# JSON result goes to $work/NAME.json. Sets cbpid; stop "$cbpid" closes them.
hold() {
  local name=$1
  shift
  "$work/connbench" -hold -settle "$SETTLE" "$@" >"$work/$name.json" 2>"$work/$name-connbench.log" &
  cbpid=$!
  wait_ready "$work/$name-connbench.log" "connbench ready" "$cbpid"
}

# run CMD...: CMD in the background, waited for, so that a signal stops the script (and, through
# the EXIT trap, CMD) at once instead of when CMD ends.
run() {
  "$@" &
  wait $!
}

# kpbench OUT ARGS...: one kpbench load run with the common flags; its JSON result is appended to
# OUT and shown, its messages go to $work/kpbench.log.
kpbench() {
  local out=$1
  shift
  run "$work/kpbench" -size "$SIZE" -duration "$DURATION" -warmup "$WARMUP" -json "$@" >"$work/kpbench.json" 2>>"$work/kpbench.log" ||
    die "kpbench $* failed:
$(tail -n 5 "$work/kpbench.log")"
  cat "$work/kpbench.json" >> "$out"
  format < "$work/kpbench.json"
}

# ratio_table FILE HEADER KEYS prints FILE's kpbench rows, taken in pairs
# (baseline, KPC), as a Markdown table: HEADER is its header row, KEYS the
# cells before the req/s columns (str.format over the KPC row).
ratio_table() {
  python3 - "$@" <<'PY'
import json, sys
path, header, keys = sys.argv[1:4]
rows = [json.loads(l) for l in open(path) if l.strip()]
print()
print(header)
print("|---" * (header.count("|") - 1) + "|")
for b, k in zip(rows[0::2], rows[1::2]):
    ratio = f'{k["requests_per_sec"]/b["requests_per_sec"]:.2f}' if b["requests_per_sec"] else "n/a"
    print(f'| {keys.format(**k)} | {b["requests_per_sec"]:.0f} | {k["requests_per_sec"]:.0f} | {ratio} | '
          f'{b["p50_ms"]:.2f} / {b["p99_ms"]:.2f} | {k["p50_ms"]:.2f} / {k["p99_ms"]:.2f} |')
PY
}

bench_kp() {
  need_mosquitto
  build kaactl ./cmd/kaactl
  build kpbench ./internal/cmd/kpbench
  check_pprof
  local mport mpid rpid kport upid
  start_baseline mosquitto
  start_up up

  echo "# scripts/bench.sh kp — $(date -u +%F) — $(nproc) cores — duration $DURATION, ${SIZE} B — load avg $(cut -d' ' -f1-3 /proc/loadavg)"
  local out="$work/kp.json" q n
  : > "$out"
  for q in "0 1" "1 1" "1 $INFLIGHT"; do
    set -- $q
    kpbench "$out" -addr "127.0.0.1:$mport" -qos "$1" -clients "$CLIENTS" -inflight "$2" -label mosquitto+responder
    [ "$q" = "1 $INFLIGHT" ] && profile_cpu kp "$(seconds "$DURATION")" "$work/kpbench.log"
    kpbench "$out" -addr "127.0.0.1:$kport" -qos "$1" -clients "$CLIENTS" -inflight "$2" -label kpc
  done
  profile_heap kp
  ratio_table "$out" "| QoS | clients × in flight | mosquitto+responder req/s | KPC req/s | ratio (KPC/baseline) | mosquitto p50/p99 ms | KPC p50/p99 ms |" \
    '{qos} | {clients} × {inflight}'
}

bench_http() {
  build kaactl ./cmd/kaactl
  build kpbench ./internal/cmd/kpbench
  [ -x "$work/nats-server" ] || go build -o "$work/nats-server" github.com/nats-io/nats-server/v2 ||
    die "cannot build nats-server (github.com/nats-io/nats-server/v2 from go.mod) for the NATS floor"
  check_pprof
  local kport upid khttp nport=$(free_port) n
  "$work/nats-server" -a 127.0.0.1 -p "$nport" >"$work/nats-server.log" 2>&1 &
  local npid=$!
  wait_port "$nport" "$npid" "$work/nats-server.log"
  "$work/kpbench" -mode nats-responder -addr "127.0.0.1:$nport" 2>"$work/nats-responder.log" &
  wait_ready "$work/nats-responder.log" ready $!
  start_up up-http

  echo "# scripts/bench.sh http — $(date -u +%F) — $(nproc) cores — duration $DURATION, ${SIZE} B, one request in flight per client — load avg $(cut -d' ' -f1-3 /proc/loadavg)"
  local out="$work/http.json" last=${HTTP_CLIENTS##* }
  : > "$out"
  for n in $HTTP_CLIENTS; do
    kpbench "$out" -mode nats-load -addr "127.0.0.1:$nport" -clients "$n" -label nats
    [ "$n" = "$last" ] && profile_cpu http "$(seconds "$DURATION")" "$work/kpbench.log"
    kpbench "$out" -mode http -addr "127.0.0.1:$khttp" -clients "$n" -label kpc-http
  done
  profile_heap http
  ratio_table "$out" "| clients | bare NATS req/s | KPC HTTP req/s | ratio (KPC/NATS) | NATS p50/p99 ms | KPC p50/p99 ms |" '{clients}'
}

bench_idle() {
  build kaactl ./cmd/kaactl
  build kpbench ./internal/cmd/kpbench
  build connbench ./internal/cmd/connbench
  check_pprof
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # a descriptor per session, in connbench and in KPC
  [ "$(ulimit -n)" -gt $((IDLE + 200)) ] || die "idle: ulimit -n is $(ulimit -n), too low for IDLE=$IDLE sessions"
  local kport upid cbpid
  start_up up-idle
  echo "# scripts/bench.sh idle — $(date -u +%F) — $(nproc) cores — KPC, QoS 1, $CLIENTS clients × $INFLIGHT in flight, duration $DURATION, ${SIZE} B — load avg $(cut -d' ' -f1-3 /proc/loadavg)"
  local out="$work/idle.json"
  : > "$out"
  kpbench "$out" -addr "127.0.0.1:$kport" -qos 1 -clients "$CLIENTS" -inflight "$INFLIGHT" -label "kpc, 0 idle"
  hold idle-sessions -addr "127.0.0.1:$kport" -clients "$IDLE" -pid "$upid" -label "$IDLE idle"
  connect_format < "$work/idle-sessions.json"
  profile_cpu idle "$(seconds "$DURATION")" "$work/kpbench.log"
  kpbench "$out" -addr "127.0.0.1:$kport" -qos 1 -clients "$CLIENTS" -inflight "$INFLIGHT" -label "kpc, $IDLE idle"
  profile_heap idle
  stop "$cbpid"
  python3 - "$out" "$work/idle-sessions.json" <<'PY'
import json, sys
a, b = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s = json.loads(open(sys.argv[2]).read())
print()
print("| idle sessions | KPC req/s | p50/p99 ms | errors |")
print("|---|---|---|---|")
print(f'| 0 | {a["requests_per_sec"]:.0f} | {a["p50_ms"]:.2f} / {a["p99_ms"]:.2f} | {a["errors"]} |')
print(f'| {s["connected"]} | {b["requests_per_sec"]:.0f} | {b["p50_ms"]:.2f} / {b["p99_ms"]:.2f} | {b["errors"]} |')
ratio = f'{b["requests_per_sec"]/a["requests_per_sec"]:.2f}' if a["requests_per_sec"] else "n/a"
print()
print(f'ratio with/without idle sessions: {ratio} (goal ≥ 0.9)')
PY
}

bench_mem() {
  need_mosquitto
  build kaactl ./cmd/kaactl
  build kpbench ./internal/cmd/kpbench
  build connbench ./internal/cmd/connbench
  check_pprof
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  [ "$(ulimit -n)" -gt $((MEM_CLIENTS + 200)) ] || die "mem: ulimit -n is $(ulimit -n), too low for MEM_CLIENTS=$MEM_CLIENTS sessions"
  local n=$MEM_CLIENTS r=$MEM_REQUESTS mport mpid rpid kport upid cbpid
  local out="$work/mem.json"
  : > "$out"
  echo "# scripts/bench.sh mem — $(date -u +%F) — $(nproc) cores — $n sessions, idle and after $r QoS 1 requests of ${SIZE} B each with its token"
  start_baseline mem-mosquitto-idle
  hold mem-mosquitto-idle -addr "127.0.0.1:$mport" -clients "$n" -pid "$mpid" -label "mosquitto idle"
  connect_format < "$work/mem-mosquitto-idle.json"; cat "$work/mem-mosquitto-idle.json" >> "$out"
  stop "$cbpid"; stop "$rpid"; stop "$mpid"
  start_baseline mem-mosquitto-req
  hold mem-mosquitto-req -addr "127.0.0.1:$mport" -clients "$n" -pid "$mpid" -requests "$r" -label "mosquitto requests"
  connect_format < "$work/mem-mosquitto-req.json"; cat "$work/mem-mosquitto-req.json" >> "$out"
  stop "$cbpid"; stop "$rpid"; stop "$mpid"

  start_up mem-kpc-idle
  profile_cpu mem-idle "$PROFILE_SECONDS"
  hold mem-kpc-idle -addr "127.0.0.1:$kport" -clients "$n" -pid "$upid" -label "kpc idle"
  profile_heap mem-idle
  connect_format < "$work/mem-kpc-idle.json"; cat "$work/mem-kpc-idle.json" >> "$out"
  stop "$cbpid"; stop "$upid"
  # The first request of a token registers its endpoint (--auto-register); register them all in a
  # first run, so that the measured one only resolves tokens, as a fleet's replica does.
  start_up mem-kpc-register
  run "$work/connbench" -addr "127.0.0.1:$kport" -clients "$n" -requests 1 -settle 0s -label register >/dev/null
  stop "$upid"
  cp -r "$work/mem-kpc-register-data" "$work/mem-kpc-req-data"
  start_up mem-kpc-req
  profile_cpu mem-requests "$PROFILE_SECONDS"
  hold mem-kpc-req -addr "127.0.0.1:$kport" -clients "$n" -pid "$upid" -requests "$r" -label "kpc requests"
  profile_heap mem-requests
  connect_format < "$work/mem-kpc-req.json"; cat "$work/mem-kpc-req.json" >> "$out"
  stop "$cbpid"; stop "$upid"
  python3 - "$out" "$r" <<'PY'
import json, sys
rows = {r["label"]: r for r in (json.loads(l) for l in open(sys.argv[1]) if l.strip())}
print()
print(f"| server | sessions | RSS per idle session KiB | RSS per session after {sys.argv[2]} requests KiB |")
print("|---|---|---|---|")
for s in ("mosquitto", "kpc"):
    i, q = rows[f"{s} idle"], rows[f"{s} requests"]
    print(f'| {s} | {i["connected"]} / {q["connected"]} of {i["clients"]} | {i["kib_per_session"]:.1f} | {q["kib_per_session"]:.1f} |')
PY
}
bench_upload() {
  scripts/install-test-deps.sh
  build kaactl ./cmd/kaactl
  build uploadbench ./internal/cmd/uploadbench
  local vgw=$(command -v versitygw || echo "$(go env GOPATH)/bin/versitygw")
  local sport=$(free_port) bport=$(free_port)
  mkdir -p "$work/s3"
  ROOT_ACCESS_KEY=bench ROOT_SECRET_KEY=bench-secret "$vgw" --port "127.0.0.1:$sport" posix "$work/s3" >"$work/vgw.log" 2>&1 &
  wait_port "$sport" $! "$work/vgw.log"
  AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret "$work/kaactl" serve bcx --log-level warn \
    --nats nats://127.0.0.1:1 --rest-addr "127.0.0.1:$bport" --backend s3 --s3-endpoint "http://127.0.0.1:$sport" \
    --s3-path-style --s3-bucket bench-bcx --token-key-file "$work/bcx.key" --create-token-key >"$work/bcx.log" 2>&1 &
  local bcxpid=$!
  wait_port "$bport" "$bcxpid" "$work/bcx.log"
  echo "# scripts/bench.sh upload — $(date -u +%F) — $(nproc) cores — best of ${ROUNDS:-5} per size"
  "$work/uploadbench" -bcx "http://127.0.0.1:$bport" -bcx-pid "$bcxpid" -token-key-file "$work/bcx.key" \
    -s3-endpoint "http://127.0.0.1:$sport" -s3-access-key bench -s3-secret-key bench-secret \
    -sizes "${SIZES:-1MiB,64MiB,1GiB}" -rounds "${ROUNDS:-5}" -dir "$work" > "$work/upload.json"
  python3 - "$work/upload.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| blob | direct S3 PutObject MB/s | BCX upload MB/s | ratio (BCX/S3) | BCX peak RSS growth MiB |")
print("|---|---|---|---|---|")
for r in rows:
    size = r["size"]
    label = f"{size >> 30} GiB" if size >= 1 << 30 else f"{size >> 20} MiB"
    print(f'| {label} | {r["s3_mb_per_s"]:.0f} | {r["bcx_mb_per_s"]:.0f} | {r["ratio"]:.2f} | {r["bcx_peak_rss_growth_mib"]:.1f} |')
PY
}

bench_startup() {
  build kaactl ./cmd/kaactl
  echo "# scripts/bench.sh startup — $(date -u +%F) — $(nproc) cores — kaactl up, exec to KPC+BCX /health 200"
  python3 - "$work" <<'PY'
import os, signal, socket, subprocess, sys, time, urllib.request, statistics
work = sys.argv[1]
def free():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def ready(url):
    try:
        return urllib.request.urlopen(url, timeout=0.2).status == 200
    except Exception:
        return False
def once(datadir):
    ports = {k: free() for k in ("nats", "mqtt", "http", "rest", "bcx", "prov", "mqtts", "ws")}
    args = [f"{work}/kaactl", "up", "--log-level", "warn", "--data-dir", datadir,
            "--nats-addr", f"127.0.0.1:{ports['nats']}", "--mqtt-addr", f"127.0.0.1:{ports['mqtt']}",
            "--http-addr", f"127.0.0.1:{ports['http']}", "--rest-addr", f"127.0.0.1:{ports['rest']}",
            "--bcx-addr", f"127.0.0.1:{ports['bcx']}", "--provider-addr", f"127.0.0.1:{ports['prov']}",
            "--mqtts-addr", f"127.0.0.1:{ports['mqtts']}", "--ws-addr", f"127.0.0.1:{ports['ws']}", "--https-addr", ""]
    start = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not (ready(f"http://127.0.0.1:{ports['rest']}/health") and ready(f"http://127.0.0.1:{ports['bcx']}/health")):
            if time.monotonic() - start > 10:
                raise SystemExit("not ready within 10s")
            time.sleep(0.002)
        return time.monotonic() - start
    finally:
        p.send_signal(signal.SIGINT); p.wait(timeout=20)
rows = []
for label, fresh in (("first start (empty data dir)", True), ("restart (existing data dir)", False)):
    base = f"{work}/data-startup"
    times = []
    for i in range(10):
        d = f"{base}-{i}" if fresh else f"{base}-0"
        times.append(once(d))
    rows.append((label, statistics.median(times), max(times)))
print("| case | median | max |")
print("|---|---|---|")
for label, med, mx in rows:
    print(f"| {label} | {med*1000:.0f} ms | {mx*1000:.0f} ms |")
PY
}

bench_sim() {
  need_mosquitto
  build kaactl ./cmd/kaactl
  build kpbench ./internal/cmd/kpbench
  # Every MQTT connection is a descriptor in the simulator and in the broker it talks to; the
  # servers started below inherit this limit.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  local mport mpid rpid kport upid
  start_baseline mosquitto-sim
  start_up up-sim

  echo "# scripts/bench.sh sim — $(date -u +%F) — $(nproc) cores — load avg $(cut -d' ' -f1-3 /proc/loadavg) at start — ulimit -n $(ulimit -n)"
  ENDPOINTS=${ENDPOINTS:-50 500} FLEET=${FLEET:-10000} FLEET_RATE=${FLEET_RATE:-0.5} CONNECT_RATE=${CONNECT_RATE:-2000} \
  FLEET_DURATION=${FLEET_DURATION:-20s} DURATION=$DURATION python3 - "$work" "$work/kaactl" \
    "mosquitto+responder:$mport:$mpid,$rpid" "kpc:$kport:$upid" <<'PY'
import json, os, re, resource, signal, sys, time
work, kaactl = sys.argv[1], sys.argv[2]
targets = []
for spec in sys.argv[3:]:
    label, port, pids = spec.split(":")
    targets.append((label, int(port), [int(p) for p in pids.split(",")]))
env = os.environ
duration, fleet_duration = env["DURATION"], env["FLEET_DURATION"]
sizes = [int(n) for n in env["ENDPOINTS"].split()]
fleet, fleet_rate, connect_rate = int(env["FLEET"]), env["FLEET_RATE"], env["CONNECT_RATE"]
tck = os.sysconf("SC_CLK_TCK")

def seconds(d):  # Go duration subset: 500ms, 10s, 2m, 1m30s
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"([\d.]+)(ms|s|m|h)", d))

def server_cpu(pids):
    total = 0
    for p in pids:
        with open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tck

def reset_peak_rss(pids):
    for p in pids:
        with open(f"/proc/{p}/clear_refs", "w") as f:
            f.write("5")  # VmHWM starts again from the current RSS

def server_peak_rss_mib(pids):
    total = 0
    for p in pids:
        with open(f"/proc/{p}/status") as f:
            total += next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    return total / 1024

def alive(pids):
    for p in pids:
        try:
            os.kill(p, 0)
        except ProcessLookupError:
            return False
    return True

problems, rows = [], []

def errors(rep):
    if not rep["error_count"]:
        return "0"
    return f'{rep["error_count"]} (' + ", ".join(f"{k} {v}" for k, v in sorted(rep["errors"].items())) + ")"


def run(label, port, pids, kind, n, extra, dur):
    # --provision never: kaactl up here auto-registers, and auto provisioning would otherwise go to
    # whatever provider answers on the default port if a default data dir holds an admin token.
    cmd = [kaactl, "sim", "--url", f"tcp://127.0.0.1:{port}", "--endpoints", str(n), "--duration", dur,
           "--qos", "1", "--provision", "never", "--app", "demo", "-o", "json"] + extra
    shown = "kaactl " + " ".join(cmd[1:])
    if not alive(pids):
        problems.append(f"{label} is no longer running before: {shown}")
        return
    tag = f"{label}-{kind}-{n}"
    out, err = f"{work}/sim-{tag}.json", f"{work}/sim-{tag}.stderr"
    ramp = n / float(connect_rate) if "--connect-rate" in extra else 0
    deadline = time.monotonic() + ramp + seconds(dur) + 90  # reply timeout, drain and disconnect fit well inside
    reset_peak_rss(pids)
    cpu0, began = server_cpu(pids), time.monotonic()
    with open(out, "w") as so, open(err, "w") as se:
        pid = os.posix_spawn(cmd[0], cmd, dict(os.environ), file_actions=[
            (os.POSIX_SPAWN_DUP2, so.fileno(), 1), (os.POSIX_SPAWN_DUP2, se.fileno(), 2)])
    hung = False
    while True:
        done, status, ru = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline and not hung:
            hung = True  # SIGINT still makes it print the report of what it did
            os.kill(pid, signal.SIGINT)
            deadline = time.monotonic() + 15
        elif time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    wall = time.monotonic() - began
    srv_cpu = server_cpu(pids) - cpu0 if alive(pids) else float("nan")
    srv_rss = server_peak_rss_mib(pids) if alive(pids) else float("nan")
    rc = os.waitstatus_to_exitcode(status)
    try:
        rep = json.loads(open(out).read())
    except ValueError:
        tail = open(err).read()[-400:].replace("\r", "\n").strip()
        problems.append(f"{label}: no report (exit {rc}{', killed after hanging' if hung else ''}): {shown}\n    {tail}")
        return
    row = dict(label=label, kind=kind, n=n, rep=rep, rc=rc, hung=hung, wall=wall, cmd=shown,
               sim_rss=ru.ru_maxrss / 1024, sim_cpu=ru.ru_utime + ru.ru_stime, srv_cpu=srv_cpu, srv_rss=srv_rss)
    rows.append(row)
    ok_rate = rep["ok"] / rep["elapsed_s"] if rep["elapsed_s"] else 0
    print(f'{label:20} {kind:6} {n:6} endpoints  {rep["connected"]:6} connected  {ok_rate:8.0f} req/s  '
          f'p50 {rep["p50_ms"]:.2f} ms  p99 {rep["p99_ms"]:.2f} ms  errors {rep["error_count"]}  '
          f'sim {row["sim_cpu"]:.1f} s CPU, {row["sim_rss"]:.0f} MiB peak RSS', flush=True)
    if hung:
        problems.append(f"{label}: still running {ramp + seconds(dur) + 90:.0f}s after start, interrupted: {shown}")
    elif rc != 0:
        problems.append(f"{label}: exit {rc}: {shown}")
    if rep["connected"] != n:
        problems.append(f'{label}: {rep["connected"]} of {n} connected ({rep["connect_failures"]} failed): {shown}')
    if rep["requests"] > 0 and rep["ok"] == 0:
        problems.append(f'{label}: no request answered (errors {errors(rep)}); a plain broker delivers the replies only '
                        f'to subscribers of <topic>/status: {shown}')

for n in sizes:
    for label, port, pids in targets:
        run(label, port, pids, "closed", n, [], duration)

fds = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
if fleet > 0 and fds < fleet + 100:
    problems.append(f"fleet of {fleet} skipped: ulimit -n is {fds} (the simulator and each server need one descriptor per endpoint)")
elif fleet > 0:
    for label, port, pids in targets:
        run(label, port, pids, "fleet", fleet, ["--rate", fleet_rate, "--connect-rate", connect_rate], fleet_duration)

def ok_rate(r):
    return r["rep"]["ok"] / r["rep"]["elapsed_s"] if r["rep"]["elapsed_s"] else 0

def us_per_req(cpu, r):
    return f'{cpu / r["rep"]["requests"] * 1e6:.0f}' if r["rep"]["requests"] else "-"

base = targets[0][0]
print()
print(f"Closed loop (one request in flight per endpoint), QoS 1, 256 B, {duration}:")
print()
print(f"| target | endpoints | req/s | p50 / p99 ms | errors | sim CPU µs/request | server CPU µs/request | sim peak RSS MiB | ratio KPC/{base.split('+')[0]} |")
print("|---|---|---|---|---|---|---|---|---|")
for r in (r for r in rows if r["kind"] == "closed"):
    rep = r["rep"]
    ratio = "—"
    if r["label"] != base:
        b = next((x for x in rows if x["kind"] == "closed" and x["n"] == r["n"] and x["label"] == base), None)
        ratio = f"{ok_rate(r) / ok_rate(b):.2f}" if b and ok_rate(b) else "n/a"
    print(f'| {r["label"]} | {r["n"]} | {ok_rate(r):.0f} | {rep["p50_ms"]:.2f} / {rep["p99_ms"]:.2f} | {errors(rep)} | '
          f'{rep["cpu_per_request_us"]:.0f} | {us_per_req(r["srv_cpu"], r)} | {r["sim_rss"]:.0f} | {ratio} |')
fleet_rows = [r for r in rows if r["kind"] == "fleet"]
if fleet_rows:
    print()
    print(f"Fleet: {fleet} endpoints, {fleet_rate} requests/s each (open loop), connecting at {connect_rate}/s, then {fleet_duration}:")
    print()
    print("| target | connected | connect time s | connects/s | req/s | p50 / p99 ms | errors | sim CPU s (µs/request) | sim peak RSS MiB | server CPU s | server peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in fleet_rows:
        rep = r["rep"]
        print(f'| {r["label"]} | {rep["connected"]} of {r["n"]} | {rep["ramp_s"]:.1f} | {rep["connects_per_sec"]:.0f} | {ok_rate(r):.0f} | '
              f'{rep["p50_ms"]:.2f} / {rep["p99_ms"]:.2f} | {errors(rep)} | {r["sim_cpu"]:.1f} ({rep["cpu_per_request_us"]:.0f}) | '
              f'{r["sim_rss"]:.0f} | {r["srv_cpu"]:.1f} | {r["srv_rss"]:.0f} |')
print()
print("load avg at end:", " ".join(open("/proc/loadavg").read().split()[:3]))
for p in problems:
    print("problem:", p)
PY
}

bench_sessions() {
  build kaactl ./cmd/kaactl
  echo "== sessions ls: gather ${SESSIONS:-10000} sessions from two replicas (20 runs)"
  go run ./internal/cmd/sessionsbench -kaactl "$work/kaactl" -sessions "${SESSIONS:-10000}" -runs 20
  echo "== TUI frame time at 10,000 sessions"
  go test -run '^$' -bench BenchmarkFrame -benchtime 200x ./pkg/admin/tui | grep Benchmark
}


bench_connect() {
  need_mosquitto
  build kaactl ./cmd/kaactl
  build connbench ./internal/cmd/connbench
  check_pprof
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # a descriptor per client, in the generator and in the server
  local n=$CONNECT_CLIENTS mosq=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  local user='dev-%d@kaa' pass='bench-password-%d-0123456789' out="$work/connect.json" kport provport upid kdata krest cbpid
  : > "$out"
  # Device passwords are 27 random-looking bytes here; mosquitto_passwd -U hashes the file in place
  # with its default (sha512-pbkdf2).
  for i in $(seq 0 $((n - 1))); do echo "dev-$i@kaa:bench-password-$i-0123456789"; done > "$work/passwd"
  mosquitto_passwd -U "$work/passwd"
  echo "# scripts/bench.sh connect — $(date -u +%F) — $(nproc) cores — $n clients held open, 64 CONNECTs in flight — ulimit -n $(ulimit -n) — rounds: $CONNECT_ROUNDS"
  echo "# mosquitto $("$mosq" -h 2>/dev/null | head -1 | cut -d' ' -f3 || true); password_file hashes \$$(head -1 "$work/passwd" | cut -d'$' -f2)\$ (7: sha512-pbkdf2), $(head -1 "$work/passwd" | cut -d'$' -f3) iterations"
  # The credentials go into the provider's store once; each KPC run starts a fresh `kaactl up` on a
  # copy of it.
  start_up connect-provision
  run "$work/connbench" -provision "http://127.0.0.1:$provport" -token-file "$work/connect-provision-data/admin.token" -clients "$n" -user "$user" -password "$pass"
  stop "$upid"
  # Each round runs the four cases back to back, each server paired with its baseline right after
  # it, so that a slow spell of a shared machine lands on both sides of a ratio.
  local round label args name
  for round in $(seq 1 "$CONNECT_ROUNDS"); do
    for label in "mosquitto anonymous" "kpc anonymous" "mosquitto password_file" "kpc basic (CAP)"; do
      args=()
      case "$label" in
      *password_file | *basic*) args=(-user "$user" -password "$pass") ;;
      esac
      if [ "${label%% *}" = mosquitto ]; then
        local mport=$(free_port) conf="$work/mosquitto-$RANDOM.conf"
        # user: as root, mosquitto would switch to "mosquitto", which cannot read the work dir.
        printf 'listener %s 127.0.0.1\nmax_connections -1\nuser %s\n' "$mport" "$(id -un)" > "$conf"
        if [ "$label" = "mosquitto anonymous" ]; then
          echo "allow_anonymous true" >> "$conf"
        else
          printf 'allow_anonymous false\npassword_file %s\n' "$work/passwd" >> "$conf"
        fi
        "$mosq" -c "$conf" >"$work/mosquitto-connect.log" 2>&1 &
        local mpid=$!
        wait_port "$mport" "$mpid" "$work/mosquitto-connect.log"
        run "$work/connbench" -addr "127.0.0.1:$mport" -clients "$n" -pid "$mpid" -settle "$SETTLE" -label "$label" "${args[@]}" > "$work/connect-one.json"
        stop "$mpid"
      else
        rm -rf "$work/connect-provision-run-data"; cp -r "$work/connect-provision-data" "$work/connect-provision-run-data"
        start_up connect-provision-run
        name=connect-anonymous
        [ "$label" = "kpc basic (CAP)" ] && name=connect-basic
        [ "$round" = 1 ] && profile_cpu "$name" "$PROFILE_SECONDS"
        hold "$name" -addr "127.0.0.1:$kport" -clients "$n" -pid "$upid" -label "$label" "${args[@]}"
        [ "$round" = 1 ] && profile_heap "$name"
        cp "$work/$name.json" "$work/connect-one.json"
        stop "$cbpid"
        stop "$upid"
      fi
      connect_format < "$work/connect-one.json"
      python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); r["round"] = int(sys.argv[2]); print(json.dumps(r))' \
        "$work/connect-one.json" "$round" >> "$out"
    done
  done
  python3 - "$out" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rounds = sorted({r["round"] for r in runs})
by = {(r["round"], r["label"]): r for r in runs}
labels = ("mosquitto anonymous", "kpc anonymous", "mosquitto password_file", "kpc basic (CAP)")
med = lambda label, key: statistics.median(by[(k, label)].get(key, 0) for k in rounds)
print()
print(f"Medians of {len(rounds)} rounds:" if len(rounds) > 1 else "One round:")
print()
print("| server | auth | connected | connects/s | server CPU µs / faults per connect | RSS per idle session KiB |")
print("|---|---|---|---|---|---|")
for label in labels:
    server, auth = label.split(" ", 1)
    connected = min(by[(k, label)]["connected"] for k in rounds)
    print(f'| {server} | {auth} | {connected} of {runs[0]["clients"]} | {med(label, "connects_per_sec"):.0f} | '
          f'{med(label, "server_cpu_us_per_connect"):.0f} / {med(label, "server_faults_per_connect"):.1f} | {med(label, "kib_per_session"):.1f} |')
def ratios(a, b):
    out = []
    for k in rounds:
        y = by[(k, b)]["connects_per_sec"]
        out.append(by[(k, a)]["connects_per_sec"] / y if y else 0)
    return out
anon = ratios("kpc anonymous", "mosquitto anonymous")
basic = ratios("kpc basic (CAP)", "mosquitto password_file")
show = lambda rs: ", ".join(f"{x:.2f}" for x in rs)
print()
print(f"ratio KPC/mosquitto connects/s, by round: anonymous {show(anon)}; basic auth vs password_file {show(basic)}")
print(f"ratio KPC/mosquitto connects/s, median: anonymous {statistics.median(anon):.2f}, basic auth vs password_file {statistics.median(basic):.2f}")
PY
}

connect_format() {
  python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    err = (" first error: " + r["first_error"]) if r.get("first_error") else ""
    cpu = ""
    if r.get("server_cpu_us_per_connect"):
        cpu = "  server %4.0f µs CPU %4.1f faults, connbench %4.0f µs CPU per connect" % (r["server_cpu_us_per_connect"], r["server_faults_per_connect"], r["client_cpu_us_per_connect"])
    print("%-24s %6d of %d connected  %8.0f connects/s  %6.1f KiB/session%s%s" % (r["label"], r["connected"], r["clients"], r["connects_per_sec"], r["kib_per_session"], cpu, err))'
}

format() {
  python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    qos = "http" if r["mode"] == "http" else "nats" if r["mode"] == "nats-load" else "qos=%d" % r["qos"]
    err = ("  first error: " + r["first_error"]) if r.get("first_error") else ""
    print("%-22s %-6s %3d×%d  %9.0f req/s  p50 %.3f ms  p99 %.3f ms  errors %d%s" % (r["label"], qos, r["clients"], r["inflight"], r["requests_per_sec"], r["p50_ms"], r["p99_ms"], r["errors"], err))'
}

all=(kp http connect idle mem upload startup sim sessions)
for s in "${sections[@]}"; do
  case "$s" in
    all) ;;
    kp|http|connect|idle|mem|upload|startup|sim|sessions) ;;
    *) died=1; echo "usage: scripts/bench.sh [--quick] [$(IFS='|'; echo "${all[*]}")|all]..." >&2; exit 2 ;;
  esac
done
if ! [[ "$CONNECT_ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
  died=1
  echo "scripts/bench.sh: CONNECT_ROUNDS=$CONNECT_ROUNDS: want a whole number of rounds, 1 or more" >&2
  exit 2
fi
first=1
for s in "${sections[@]}"; do
  list=("$s")
  [ "$s" = all ] && list=("${all[@]}")
  for section in "${list[@]}"; do
    [ -z "$first" ] && echo
    first=""
    began=$SECONDS
    "bench_$section"
    echo "# $section: $((SECONDS - began)) s, builds included"
  done
done
if [ ${#profiles[@]} -gt 0 ]; then
  echo
  echo "# profiles of KPC (go tool pprof -top FILE; -http=: FILE for a browser):"
  for f in "${profiles[@]}"; do
    if [ -s "$f" ]; then echo "go tool pprof -top $f"; fi
  done
fi
