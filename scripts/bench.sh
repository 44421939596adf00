#!/usr/bin/env bash
# Benchmarks, each next to a baseline measured in the same run.
#
#   scripts/bench.sh kp      KPC (MQTT QoS 0 and 1, 256 B, 50 clients, closed loop) vs mosquitto
#                            with an MQTT responder client doing the extension's job.
#   scripts/bench.sh upload  BCX upload (S3 backend) vs a direct S3 PutObject of the same bytes
#                            to the same versitygw, 1 MiB / 64 MiB / 1 GiB, and BCX peak RSS growth.
#   scripts/bench.sh startup `kaactl up` from exec to ready (KPC and BCX /health 200), first start on
#                            an empty data dir and restart on an existing one, 10 runs each.
#   scripts/bench.sh all     all of them.
#
# Environment: DURATION (default 10s), CLIENTS (50), SIZE (256).
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-kp}
DURATION=${DURATION:-10s}
CLIENTS=${CLIENTS:-50}
SIZE=${SIZE:-256}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

need_mosquitto() {
  if ! command -v mosquitto >/dev/null && [ ! -x /usr/sbin/mosquitto ]; then
    echo "installing mosquitto (Debian package) for the baseline" >&2
    apt-get update -qq >/dev/null && apt-get install -y -qq mosquitto >/dev/null
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "port $1 never opened" >&2; return 1
}

bench_kp() {
  need_mosquitto
  go build -o "$work/kaactl" ./cmd/kaactl
  go build -o "$work/kpbench" ./internal/cmd/kpbench
  local mosq=$(command -v mosquitto || echo /usr/sbin/mosquitto)

  # Baseline: mosquitto + a responder client.
  local mport=$(free_port)
  printf 'listener %s 127.0.0.1\nset_tcp_nodelay true\nallow_anonymous true\nmax_inflight_messages 0\nmax_queued_messages 0\n' "$mport" > "$work/mosquitto.conf"
  "$mosq" -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 & pids+=($!)
  wait_port "$mport"
  "$work/kpbench" -mode responder -addr "127.0.0.1:$mport" -qos 1 2>"$work/responder.log" & pids+=($!)
  until grep -q ready "$work/responder.log" 2>/dev/null; do sleep 0.05; done

  # KPC: kaactl up (embedded NATS, KPC, echo extension, token provider) in one process.
  local nport=$(free_port) kport=$(free_port) hport=$(free_port) rport=$(free_port)
  "$work/kaactl" up --log-level warn --auto-register --data-dir "$work/up-data" --nats-addr "127.0.0.1:$nport" \
    --mqtt-addr "127.0.0.1:$kport" --http-addr "127.0.0.1:$hport" --rest-addr "127.0.0.1:$rport" \
    --mqtts-addr "" --ws-addr "" --bcx-addr "127.0.0.1:$(free_port)" --provider-addr "127.0.0.1:$(free_port)" >"$work/up.log" 2>&1 & pids+=($!)
  wait_port "$kport"

  echo "# scripts/bench.sh kp — $(date -u +%F) — $(nproc) cores — duration $DURATION, $CLIENTS clients, ${SIZE} B"
  local out="$work/results"
  : > "$out"
  for qos in 0 1; do
    "$work/kpbench" -addr "127.0.0.1:$mport" -qos $qos -clients "$CLIENTS" -size "$SIZE" -duration "$DURATION" -label mosquitto+responder -json | tee -a "$out" | format
    "$work/kpbench" -addr "127.0.0.1:$kport" -qos $qos -clients "$CLIENTS" -size "$SIZE" -duration "$DURATION" -label kpc -json | tee -a "$out" | format
  done
  python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print()
print("| QoS | mosquitto+responder req/s | KPC req/s | ratio (KPC/baseline) | mosquitto p50/p99 ms | KPC p50/p99 ms |")
print("|---|---|---|---|---|---|")
for q in (0, 1):
    b = next(r for r in rows if r["qos"] == q and r["label"] != "kpc")
    k = next(r for r in rows if r["qos"] == q and r["label"] == "kpc")
    print(f'| {q} | {b["requests_per_sec"]:.0f} | {k["requests_per_sec"]:.0f} | {k["requests_per_sec"]/b["requests_per_sec"]:.2f} | {b["p50_ms"]:.2f} / {b["p99_ms"]:.2f} | {k["p50_ms"]:.2f} / {k["p99_ms"]:.2f} |')
PY
}

bench_upload() {
  scripts/install-test-deps.sh
  go build -o "$work/kaactl" ./cmd/kaactl
  go build -o "$work/uploadbench" ./internal/cmd/uploadbench
  local vgw=$(command -v versitygw || echo "$(go env GOPATH)/bin/versitygw")
  local sport=$(free_port) bport=$(free_port)
  mkdir -p "$work/s3"
  ROOT_ACCESS_KEY=bench ROOT_SECRET_KEY=bench-secret "$vgw" --port "127.0.0.1:$sport" posix "$work/s3" >"$work/vgw.log" 2>&1 & pids+=($!)
  wait_port "$sport"
  AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret "$work/kaactl" serve bcx --log-level warn \
    --nats nats://127.0.0.1:1 --rest-addr "127.0.0.1:$bport" --backend s3 --s3-endpoint "http://127.0.0.1:$sport" \
    --s3-path-style --s3-bucket bench-bcx --token-key-file "$work/bcx.key" --create-token-key >"$work/bcx.log" 2>&1 & pids+=($!)
  local bcxpid=$!
  wait_port "$bport"
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
  go build -o "$work/kaactl" ./cmd/kaactl
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
            "--mqtts-addr", f"127.0.0.1:{ports['mqtts']}", "--ws-addr", f"127.0.0.1:{ports['ws']}"]
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

format() {
  python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print("%-22s qos=%d  %9.0f req/s  p50 %.3f ms  p99 %.3f ms  errors %d" % (r["label"], r["qos"], r["requests_per_sec"], r["p50_ms"], r["p99_ms"], r["errors"]))'
}

case "$what" in
  kp) bench_kp ;;
  upload) bench_upload ;;
  startup) bench_startup ;;
  all) bench_kp; echo; bench_upload; echo; bench_startup ;;
  *) echo "usage: scripts/bench.sh kp|upload|startup|all" >&2; exit 2 ;;
esac
