#!/usr/bin/env bash
# PostgreSQL stopped and started under load: a client ingests (POST /api/v1/conversations) and reads
# (GET /api/v1/conversations) at 40 requests/s (scripts/reliability/faults.py load) while the embedded cluster is
# stopped with pg_ctl and started again. While it is down the service must answer 503 with problem+json and
# Retry-After, never another 5xx and never hang (10 s client timeout); once PostgreSQL accepts connections again
# the service must serve both kinds of request within 5 s without a restart, and every acknowledged ingest must be
# stored. Full: two outages (stop -m fast for 15 s, then stop -m immediate — a crash — for 8 s) in 75 s of load;
# quick: one outage of 6 s in 25 s.
source "$(dirname "$0")/lib.sh"

max_recovery=5
new_home home
port=$(free_port)
start_serve "$home" "$port" PARLEY_EMBEDDER=potion
key=$(api_key "$home" pg)
[[ -n "$key" ]] || { echo "no API key" >&2; exit 1; }
data="$home/postgres/data"
socket="$home/postgres/run"
pg_ctl() {  # the cluster belongs to the postgres user when we are root
    if [[ $(id -u) == 0 ]]; then su postgres -c "$PG_BIN/pg_ctl -D '$data' $*"; else "$PG_BIN/pg_ctl" -D "$data" "$@"; fi
}
events="$RELIABILITY_ARTIFACTS/postgres-events.jsonl"
marks="$RELIABILITY_ARTIFACTS/postgres-marks.jsonl"
: >"$marks"
mark() { printf '{"event": "%s", "t": %s}\n' "$1" "$(date +%s.%N)" >>"$marks"; echo "$(date +%T.%N) $1"; }

# outage MODE SECONDS: stop, wait, start; marks "up" when PostgreSQL accepts connections again.
outage() {
    mark down
    pg_ctl stop -m "$1" -w -t 60 >/dev/null
    sleep "$2"
    pg_ctl start -l "'$data/restart.log'" >/dev/null
    until "$PG_BIN/pg_isready" -q -h "$socket"; do sleep 0.05; done
    mark up
}

if quick; then load_seconds=25; else load_seconds=75; fi
python3 scripts/reliability/faults.py load --port "$port" --key "$key" --seconds "$load_seconds" --rate 40 \
    --timeout 10 --events "$events" &
load=$!
if quick; then
    sleep 5; outage fast 6
else
    sleep 10; outage fast 15
    sleep 12; outage immediate 8
fi
wait "$load"
acknowledged="$RELIABILITY_ARTIFACTS/postgres-acknowledged.txt"
report=$(python3 scripts/reliability/faults.py report --events "$events" --marks "$marks" --acknowledged "$acknowledged")
echo "$report"
# The same server process must still be the one serving.
kill -0 "$SERVE_PID" && alive=yes || alive=no
ids=$(python3 -c 'import sys; print("{" + ",".join(l.strip() for l in open(sys.argv[1]) if l.strip()) + "}")' "$acknowledged")
stored=$(psql_home "$home" -At -c "SELECT count(*) FROM conversations WHERE external_id = ANY('$ids'::text[])")
read -r outages unavailable bad503 other slowest recovery acked < <(python3 -c '
import json, sys
r = json.loads(sys.argv[1])
recoveries = [max(v if v is not None else 1e9 for v in x.values()) for x in r["recoveries"]]
print(len(recoveries), r["unavailable"], r["unavailable_without_retry_after_or_problem"], r["other"],
      r["slowest_seconds"], max(recoveries) if recoveries else 1e9, r["acknowledged_ingests"])' "$report")
statuses=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["statuses_text"])' "$report")
recoveries=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["recoveries_text"])' "$report")
lost=$((acked - stored))
verdict=PASS
((unavailable > 0 && bad503 == 0 && other == 0 && lost == 0)) || verdict=FAIL
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' "$recovery" "$max_recovery" ||
    verdict=FAIL
[[ $alive == yes ]] || verdict=FAIL
record "postgres stopped and started under load" \
    "$outages outage(s); $unavailable × 503 ($bad503 without problem+json/Retry-After), $other other failures or \
hangs (slowest $slowest s); recovery after PostgreSQL accepted connections: $recoveries; $acked ingests \
acknowledged, $stored stored, $lost lost; statuses: $statuses" "$verdict"
