#!/usr/bin/env bash
# Benchmarks, each next to a baseline measured in the same run.
#
#   scripts/bench.sh kp      KPC (MQTT QoS 0 and 1, 256 B, 50 clients, closed loop) vs mosquitto
#                            with an MQTT responder client doing the extension's job.
#   scripts/bench.sh upload  BCX upload (S3 backend) vs a direct S3 PutObject of the same bytes
#                            to the same versitygw, 1 MiB / 64 MiB / 1 GiB, and BCX peak RSS growth.
#   scripts/bench.sh startup `kaactl up` from exec to ready (KPC and BCX /health 200), first start on
#                            an empty data dir and restart on an existing one, 10 runs each.
#   scripts/bench.sh sim     `kaactl sim` with the same load against mosquitto + an MQTT responder and
#                            against `kaactl up --auto-register`, so the simulator's own ceiling shows:
#                            closed loop with ENDPOINTS endpoints, then a fleet of FLEET endpoints at
#                            FLEET_RATE requests/s each, connecting at CONNECT_RATE/s.
#   scripts/bench.sh sessions `kaactl sessions ls`: time to gather SESSIONS (10000) sessions from two
#                            KPC replicas (`kaactl serve kpc` processes on one NATS), and the TUI's
#                            frame time at 10,000 sessions (go test -bench in pkg/admin/tui).
#   scripts/bench.sh connect MQTT connects/s of CONNECT_CLIENTS (10000) clients held open, and the
#                            server's resident memory per idle session: KPC (`kaactl up`) anonymous and
#                            with basic auth through the CAP provider, mosquitto anonymous and with a
#                            password_file made by mosquitto_passwd.
#   scripts/bench.sh all     all of them.
#
# Environment: DURATION (default 10s), CLIENTS (50), SIZE (256); for sim also ENDPOINTS ("50 500"),
# FLEET (10000, 0 skips it), FLEET_RATE (0.5), CONNECT_RATE (2000), FLEET_DURATION (20s).
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

# start_baseline NAME: mosquitto (max_connections -1, so fleets fit) with a kpbench responder
# client answering every kp1/ request on <topic>/status. Sets mport, mpid, rpid.
start_baseline() {
  local mosq=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  mport=$(free_port)
  printf 'listener %s 127.0.0.1\nset_tcp_nodelay true\nallow_anonymous true\nmax_inflight_messages 0\nmax_queued_messages 0\nmax_connections -1\n' "$mport" > "$work/$1.conf"
  "$mosq" -c "$work/$1.conf" >"$work/$1.log" 2>&1 & pids+=($!)
  mpid=$!
  wait_port "$mport"
  "$work/kpbench" -mode responder -addr "127.0.0.1:$mport" -qos 1 2>"$work/$1-responder.log" & pids+=($!)
  rpid=$!
  until grep -q ready "$work/$1-responder.log" 2>/dev/null; do sleep 0.05; done
}

# start_up NAME: kaactl up --auto-register (embedded NATS, KPC, echo extension, token provider)
# in one process on free ports, MQTT/TCP only. Sets kport, upid.
start_up() {
  kport=$(free_port) provport=$(free_port)
  "$work/kaactl" up --log-level warn --auto-register --data-dir "$work/$1-data" --nats-addr "127.0.0.1:$(free_port)" \
    --mqtt-addr "127.0.0.1:$kport" --http-addr "127.0.0.1:$(free_port)" --rest-addr "127.0.0.1:$(free_port)" \
    --mqtts-addr "" --ws-addr "" --bcx-addr "127.0.0.1:$(free_port)" --provider-addr "127.0.0.1:$provport" >"$work/$1.log" 2>&1 & pids+=($!)
  upid=$!
  wait_port "$kport"
}

# stop PID: SIGINT and wait, so that the next server starts on a quiet machine.
stop() {
  kill -INT "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

bench_kp() {
  need_mosquitto
  go build -o "$work/kaactl" ./cmd/kaactl
  go build -o "$work/kpbench" ./internal/cmd/kpbench
  local mport mpid rpid kport upid
  start_baseline mosquitto
  start_up up

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

bench_sim() {
  need_mosquitto
  go build -o "$work/kaactl" ./cmd/kaactl
  go build -o "$work/kpbench" ./internal/cmd/kpbench
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
  go build -o "$work/kaactl" ./cmd/kaactl
  echo "== sessions ls: gather ${SESSIONS:-10000} sessions from two replicas (20 runs)"
  go run ./internal/cmd/sessionsbench -kaactl "$work/kaactl" -sessions "${SESSIONS:-10000}" -runs 20
  echo "== TUI frame time at 10,000 sessions"
  go test -run '^$' -bench BenchmarkFrame -benchtime 200x ./pkg/admin/tui | grep Benchmark
}

bench_connect() {
  need_mosquitto
  go build -o "$work/kaactl" ./cmd/kaactl
  go build -o "$work/connbench" ./internal/cmd/connbench
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # a descriptor per client, in the generator and in the server
  local n=${CONNECT_CLIENTS:-10000} mosq=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  local user='dev-%d@kaa' pass='bench-password-%d-0123456789' out="$work/connect.json" kport provport upid
  : > "$out"
  # Device passwords are 27 random-looking bytes here; mosquitto_passwd -U hashes the file in place
  # with its default (sha512-pbkdf2).
  for i in $(seq 0 $((n - 1))); do echo "dev-$i@kaa:bench-password-$i-0123456789"; done > "$work/passwd"
  mosquitto_passwd -U "$work/passwd"
  echo "# scripts/bench.sh connect — $(date -u +%F) — $(nproc) cores — $n clients held open, 64 CONNECTs in flight — ulimit -n $(ulimit -n)"
  echo "# mosquitto $("$mosq" -h | head -1 | cut -d' ' -f3); password_file hashes \$$(head -1 "$work/passwd" | cut -d'$' -f2)\$ (7: sha512-pbkdf2), $(head -1 "$work/passwd" | cut -d'$' -f3) iterations"
  local label args
  for label in "mosquitto anonymous" "mosquitto password_file"; do
    local mport=$(free_port) conf="$work/mosquitto-$RANDOM.conf"
    # user: as root, mosquitto would switch to "mosquitto", which cannot read the work dir.
    printf 'listener %s 127.0.0.1\nmax_connections -1\nuser %s\n' "$mport" "$(id -un)" > "$conf"
    args=()
    if [ "$label" = "mosquitto anonymous" ]; then
      echo "allow_anonymous true" >> "$conf"
    else
      printf 'allow_anonymous false\npassword_file %s\n' "$work/passwd" >> "$conf"
      args=(-user "$user" -password "$pass")
    fi
    "$mosq" -c "$conf" >"$work/mosquitto-connect.log" 2>&1 & pids+=($!)
    local mpid=$!
    wait_port "$mport"
    "$work/connbench" -addr "127.0.0.1:$mport" -clients "$n" -pid "$mpid" -label "$label" "${args[@]}" | tee -a "$out" | connect_format
    stop "$mpid"
  done
  # The credentials go into the provider's store once; each KPC run starts a fresh `kaactl up` on it.
  start_up connect-provision
  "$work/connbench" -provision "http://127.0.0.1:$provport" -token-file "$work/connect-provision-data/admin.token" -clients "$n" -user "$user" -password "$pass"
  stop "$upid"
  for label in "kpc anonymous" "kpc basic (CAP)"; do
    rm -rf "$work/connect-provision-run-data"; cp -r "$work/connect-provision-data" "$work/connect-provision-run-data"
    start_up connect-provision-run
    args=()
    [ "$label" = "kpc basic (CAP)" ] && args=(-user "$user" -password "$pass")
    "$work/connbench" -addr "127.0.0.1:$kport" -clients "$n" -pid "$upid" -label "$label" "${args[@]}" | tee -a "$out" | connect_format
    stop "$upid"
  done
  python3 - "$out" <<'PY'
import json, sys
rows = {r["label"]: r for r in (json.loads(l) for l in open(sys.argv[1]) if l.strip())}
print()
print("| server | auth | connected | connects/s | RSS per idle session KiB |")
print("|---|---|---|---|---|")
for label in ("mosquitto anonymous", "kpc anonymous", "mosquitto password_file", "kpc basic (CAP)"):
    r = rows[label]
    server, auth = label.split(" ", 1)
    print(f'| {server} | {auth} | {r["connected"]} of {r["clients"]} | {r["connects_per_sec"]:.0f} | {r["kib_per_session"]:.1f} |')
a, b = rows["kpc anonymous"], rows["mosquitto anonymous"]
c, d = rows["kpc basic (CAP)"], rows["mosquitto password_file"]
print()
print(f'ratio KPC/mosquitto connects/s: anonymous {a["connects_per_sec"]/b["connects_per_sec"]:.2f}, '
      f'basic auth vs password_file {c["connects_per_sec"]/d["connects_per_sec"]:.2f}')
PY
}

connect_format() {
  python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    err = (" first error: " + r["first_error"]) if r.get("first_error") else ""
    print("%-24s %6d of %d connected  %8.0f connects/s  %6.1f KiB/session%s" % (r["label"], r["connected"], r["clients"], r["connects_per_sec"], r["kib_per_session"], err))'
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
  sim) bench_sim ;;
  sessions) bench_sessions ;;
  connect) bench_connect ;;
  all) bench_kp; echo; bench_upload; echo; bench_startup; echo; bench_sim; echo; bench_sessions; echo; bench_connect ;;
  *) echo "usage: scripts/bench.sh kp|upload|startup|sim|sessions|connect|all" >&2; exit 2 ;;
esac
