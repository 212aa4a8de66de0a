#!/usr/bin/env bash
# soak: SOAK_MINUTES (30; quick 1.5) of mixed traffic at a modest steady rate (ingest single and bulk, API lists and
# reads, signed-in dashboard pages, triage actions) against one `parley serve` with its workers on (embedding and flag
# jobs run), sampled every minute (quick: 10 s). The verdict comes from the trend of the second half: anonymous RSS
# (the floor of each minute, read every 2 s, net of the similarity index, which holds every embedded conversation by
# design) still growing (by 10 % a run; quick: 50 %, its 90 s are mostly warm-up), p95 heading for a doubling, or any
# error fails (scripts/reliability/soak.py does the work).
source "$(dirname "$0")/lib.sh"

if quick; then minutes=${SOAK_MINUTES:-1.5} sample=${SOAK_SAMPLE_SECONDS:-10}; else
    minutes=${SOAK_MINUTES:-30} sample=${SOAK_SAMPLE_SECONDS:-60}; fi

new_home home
port=$(free_port)
export PARLEY_PASSWORD_ITERATIONS=20000
start_serve "$home" "$port" PARLEY_WORKERS=1 PARLEY_EMBEDDER=${PARLEY_EMBEDDER:-potion}
password="soak-admin-password"
"$PARLEY_BIN" user create --home "$home" --email admin@soak.test --project soak --role admin \
    --password-stdin <<<"$password" >/dev/null 2>&1
key=$(api_key "$home" soak)
[[ -n "$key" ]] || { record "soak" "could not create an API key" FAIL; exit 0; }

log="$RELIABILITY_ARTIFACTS/soak-samples.log"
set +e
PARLEY_URL="http://127.0.0.1:$port" API_KEY="$key" ADMIN_EMAIL=admin@soak.test ADMIN_PASSWORD="$password" \
    SERVER_PID="$SERVE_PID" PSQL="psql -q -h $home/postgres/run -U parley -d parley" \
    SOAK_MINUTES="$minutes" SOAK_SAMPLE_SECONDS="$sample" SOAK_RATE=${SOAK_RATE:-$(quick && echo 20 || echo 30)} \
    SOAK_RSS_GROWTH=${SOAK_RSS_GROWTH:-$(quick && echo 0.5 || echo 0.10)} \
    python3 scripts/reliability/soak.py 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

result=$(grep '^RESULT soak' "$log" | tail -n 1 || true)
if [[ -n "$result" ]]; then
    IFS=$'\t' read -r _ figure verdict <<<"$result"
    if ! kill -0 "$SERVE_PID" 2>/dev/null; then figure="$figure; the server died"; verdict=FAIL; fi
    record "soak" "$figure" "$verdict"
else
    record "soak" "soak.py stopped with status $status before its result (see $log)" FAIL
fi
# The server's log is kept (a crash's backtrace is in it); its errors are shown here.
cp "$home/serve-$port.log" "$RELIABILITY_ARTIFACTS/soak-server.log" 2>/dev/null || true
if grep -qi 'error\|fatal' "$home/serve-$port.log"; then
    echo "--- server log errors:"; grep -i -m 20 -A 40 'fatal' "$home/serve-$port.log" || grep -i -m 20 'error' "$home/serve-$port.log" || true
fi
