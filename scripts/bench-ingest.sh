#!/usr/bin/env bash
# Ingestion benchmark: (a) 64 connections posting single conversations, (b) 200k conversations as gzipped
# NDJSON, (c) the same rows through psql \copy into an identical table (the physical limit here).
# Prints figures; never fails on a number.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_ROWS:-200000}
DURATION=${BENCH_SECONDS:-20}
command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product parley >/dev/null
BIN=.build/release/parley
HOME_DIR=$(mktemp -d /tmp/parley-bench-XXXX)
chmod 755 "$HOME_DIR"
PORT=$((20000 + RANDOM % 20000))
export LOG_LEVEL=warning PARLEY_WORKERS=0
$BIN serve --home "$HOME_DIR" --port $PORT >"$HOME_DIR/serve.log" 2>&1 &
SERVER=$!
cleanup() { kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$HOME_DIR" /tmp/parley-bench-data.*; }
trap cleanup EXIT
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
KEY=$($BIN apikey create --home "$HOME_DIR" --project bench 2>/dev/null)
PSQL=(psql -q -h "$HOME_DIR/postgres/run" -U parley -d parley -v ON_ERROR_STOP=1)

echo "== (a) 64 connections, single conversations, ${DURATION}s"
A=$(wrk -t2 -c64 -d${DURATION}s --latency -s scripts/bench-ingest.lua -H "Authorization: Bearer $KEY" \
    -H "Content-Type: application/json" "http://127.0.0.1:$PORT/api/v1/conversations" | grep '^BENCH')
echo "$A"
read -r REQ DUR ERR P50 P99 < <(echo "$A" | sed -E 's/.*requests=([0-9]+) duration_us=([0-9]+) errors_status=([0-9]+) p50_us=([0-9]+) p99_us=([0-9]+)/\1 \2 \3 \4 \5/')
STORED_A=$("${PSQL[@]}" -tAc "SELECT count(*) FROM conversations WHERE external_id LIKE 'bench-%'")
awk -v r=$REQ -v d=$DUR -v p50=$P50 -v p99=$P99 -v e=$ERR -v s=$STORED_A 'BEGIN {
  printf "(a) %.0f conversations/s, p50 %.1f ms, p99 %.1f ms, non-2xx %d, stored %d of %d (target >= 3000/s, p99 <= 50 ms)\n", r/(d/1e6), p50/1000, p99/1000, e, s, r }'

echo "== generating $N conversations"
DATA=$(mktemp -d /tmp/parley-bench-data.XXXX)
chmod 755 "$DATA"
python3 scripts/bench-ingest-data.py "$N" "$DATA/rows.ndjson.gz" "$DATA/rows.copy"
chmod 644 "$DATA"/*
ls -la "$DATA" | awk 'NR>1 {print "   ", $5, $9}'

echo "== (b) $N conversations as gzipped NDJSON through the API"
T0=$(date +%s.%N)
curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/conversations/bulk" -H "Authorization: Bearer $KEY" \
  -H "Content-Type: application/x-ndjson" -H "Content-Encoding: gzip" --data-binary "@$DATA/rows.ndjson.gz" \
  -o "$DATA/summary.json"
T1=$(date +%s.%N)
python3 -c "import json; s=json.load(open('$DATA/summary.json')); print('   summary:', {k: s[k] for k in ('created','duplicate','rejected')})"
B=$(awk -v n=$N -v a=$T0 -v b=$T1 'BEGIN { printf "%.0f", n/(b-a) }')
echo "(b) $B conversations/s ($(awk -v a=$T0 -v b=$T1 'BEGIN { printf "%.1f", b-a }') s)"

echo "== (c) psql \\copy of the same rows into an identical table"
"${PSQL[@]}" -c "CREATE TABLE bench_copy (LIKE conversations INCLUDING ALL)"
T0=$(date +%s.%N)
"${PSQL[@]}" -c "\\copy bench_copy (project_id, external_id, model, prompt_version, end_user_id, session_id, started_at, message_count, messages, metadata, tags, content_hash) FROM '$DATA/rows.copy'"
T1=$(date +%s.%N)
C=$(awk -v n=$N -v a=$T0 -v b=$T1 'BEGIN { printf "%.0f", n/(b-a) }')
echo "(c) $C conversations/s ($(awk -v a=$T0 -v b=$T1 'BEGIN { printf "%.1f", b-a }') s)"
awk -v b=$B -v c=$C 'BEGIN { printf "ratio (b)/(c) = %.2f (target >= 0.50)\n", b/c }'
