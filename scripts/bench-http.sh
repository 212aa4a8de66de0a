#!/usr/bin/env bash
# make bench-http: `parley serve` (GET /healthz) against a minimal Hummingbird 2 server with wrk, plus
# idle-connection RSS.
#
# Environment:
#   ROUNDS=3 DURATION=10s CONNECTIONS=64 THREADS=2 IDLE_CONNECTIONS=1000 BENCH_PATH=/healthz
#   SERVER_CMD=peer          # our bare HTTPServer peer (Benchmarks/HTTPServerPeer, GET /plaintext) instead
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
IDLE_CONNECTIONS="${IDLE_CONNECTIONS:-1000}"
BENCH_PATH="${BENCH_PATH:-/healthz}"
OUT=.build-bench
mkdir -p "$OUT"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

if ! command -v wrk >/dev/null 2>&1; then
    echo "==> installing wrk"
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

build() { # name package-dir
    echo "==> building $1 (release)"
    if ! swift build -c release --package-path "$2" --scratch-path "$2/.build" >"$OUT/build-$1.log" 2>&1; then
        tail -40 "$OUT/build-$1.log" >&2
        exit 1
    fi
}
if [ "${SERVER_CMD:-}" = "peer" ]; then
    build ours Benchmarks/HTTPServerPeer
    SERVER_CMD="Benchmarks/HTTPServerPeer/.build/release/HTTPServerPeer {port}"
elif [ -z "${SERVER_CMD:-}" ]; then
    swift build -c release --product parley >"$OUT/build-parley.log" 2>&1 || { tail -40 "$OUT/build-parley.log" >&2; exit 1; }
    PARLEY_BENCH_HOME=$(mktemp -d /tmp/parley-bench-http-XXXX)
    chmod 755 "$PARLEY_BENCH_HOME"
    SERVER_CMD="env LOG_LEVEL=warning PARLEY_WORKERS=0 PARLEY_HOME=$PARLEY_BENCH_HOME .build/release/parley serve --port {port}"
fi
build hummingbird Benchmarks/HummingbirdPeer
HB_CMD="Benchmarks/HummingbirdPeer/.build/release/HummingbirdPeer {port}"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

PIDS=()
cleanup() {
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
    done
    [ -n "${PARLEY_BENCH_HOME:-}" ] && rm -rf "$PARLEY_BENCH_HOME"
    return 0
}
trap cleanup EXIT INT TERM

LAST_PID=""
start_server() { # name command-template port
    local command="${2//\{port\}/$3}"
    # shellcheck disable=SC2086
    $command >"$OUT/server-$1.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    for _ in $(seq 1 150); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$3$BENCH_PATH" 2>/dev/null; then return 0; fi
        if ! kill -0 "$LAST_PID" 2>/dev/null; then
            echo "$1 exited early:" >&2
            tail -20 "$OUT/server-$1.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "$1 did not become ready on port $3" >&2
    exit 1
}

OURS_PORT=$(free_port)
start_server ours "$SERVER_CMD" "$OURS_PORT"
OURS_PID=$LAST_PID
HB_PORT=$(free_port)
start_server hummingbird "$HB_CMD" "$HB_PORT"

RESULTS="$OUT/results.txt"
: >"$RESULTS"
run_wrk() { # name port round
    local file="$OUT/wrk-$1-$3.txt"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$2$BENCH_PATH" >"$file"
    local rps p99
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$file")
    p99=$(awk '$1 == "99%" {print $2}' "$file")
    local errors
    errors=$(awk '/Non-2xx|Socket errors/' "$file" | tr '\n' ' ')
    echo "$1 $3 $rps $p99" >>"$RESULTS"
    printf '  %-12s round %s: %10s req/s  p99 %-9s %s\n' "$1" "$3" "$rps" "$p99" "$errors"
}

echo "==> wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $BENCH_PATH ($ROUNDS rounds, alternating)"
echo "    load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for round in $(seq 1 "$ROUNDS"); do
    run_wrk ours "$OURS_PORT" "$round"
    run_wrk hummingbird "$HB_PORT" "$round"
done

echo "==> RSS of our server with $IDLE_CONNECTIONS idle keep-alive connections"
python3 - "$OURS_PID" "$OURS_PORT" "$IDLE_CONNECTIONS" "$BENCH_PATH" >"$OUT/rss.txt" <<'PY'
import socket, sys, time
pid, port, count, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def rss_kib():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
before = rss_kib()
request = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
sockets = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(request)
    sockets.append(s)
ok = 0
for s in sockets:
    s.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    ok += data.startswith(b"HTTP/1.1 200")
time.sleep(1.0)
after = rss_kib()
print(f"{before} {after} {ok}")
for s in sockets:
    s.close()
PY
read -r RSS_BEFORE RSS_AFTER RSS_OK <"$OUT/rss.txt"

python3 - "$RESULTS" "$RSS_BEFORE" "$RSS_AFTER" "$RSS_OK" "$IDLE_CONNECTIONS" <<'PY'
import statistics, sys
results, rss_before, rss_after, rss_ok, idle = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def ms(text):
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)
rows = {}
for line in open(results):
    name, _, rps, p99 = line.split()
    rows.setdefault(name, []).append((float(rps), ms(p99)))
summary = {}
for name, values in rows.items():
    rps = statistics.median(v[0] for v in values)
    p99 = statistics.median(v[1] for v in values)
    summary[name] = (rps, p99)
    print(f"{name:12s} median {rps:10.0f} req/s   p99 {p99:6.2f} ms   (best {max(v[0] for v in values):.0f} req/s)")
ours, hb = summary["ours"], summary["hummingbird"]
ratio = ours[0] / hb[0] if hb[0] else float("nan")
print(f"ratio ours/hummingbird: {ratio:.2f}  (target >= 1.0, our p99 target <= 10 ms)")
print(f"RSS ours: {rss_before / 1024:.1f} MiB before, {rss_after / 1024:.1f} MiB with {rss_ok}/{idle} idle keep-alive connections (target <= 64 MiB)")
PY
