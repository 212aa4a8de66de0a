#!/usr/bin/env bash
# kill -9 in the middle of work, two rows:
# (a) `parley serve` killed during NDJSON bulk ingest (3 senders, batches of 3,000 lines, killed once a few batches
#     were acknowledged): after a restart the client resends every unacknowledged batch with the same external
#     ids; every conversation must then be stored exactly once (count by external id) and every resent batch
#     acknowledged. Full: 60,000 conversations; quick: 12,000.
# (b) `parley worker` killed during a clustering run of the demo data (serve with PARLEY_WORKERS=0, a separate
#     worker on the same home): a new worker must take the job over once its lease expires and finish it exactly
#     once (job succeeded, one completed run for it, members = its conversation count, no duplicate clusters).
source "$(dirname "$0")/lib.sh"

# Batches of 3,000 lines are larger than the server's 2,000-line transactions: a batch in flight at the kill may
# be partly stored without having been acknowledged, which is what the resend must not duplicate.
if quick; then total=12000 kill_after=1 clusters=8; else total=60000 kill_after=6 clusters=null; fi
new_home home
port=$(free_port)
start_serve "$home" "$port" PARLEY_WORKERS=0
key=$(api_key "$home" kill)  # creates the project
[[ -n "$key" ]] || { echo "no API key" >&2; exit 1; }

# ---- (a) serve killed during bulk ingest
state="$RELIABILITY_ARTIFACTS/kill-bulk-state.json"
rm -f "$state"
first=$(python3 scripts/reliability/faults.py bulk --port "$port" --key "$key" --total "$total" --batch 3000 \
    --concurrency 3 --state "$state" --kill-pid "$SERVE_PID" --kill-after "$kill_after")
echo "$(date +%T) before the kill: $first"
wait "$SERVE_PID" 2>/dev/null || true
start_serve "$home" "$port" PARLEY_WORKERS=0
second=$(python3 scripts/reliability/faults.py bulk --port "$port" --key "$key" --total "$total" --batch 3000 \
    --concurrency 3 --state "$state" --resend)
echo "$(date +%T) resent: $second"
get() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
acknowledged=$(get "$first" acknowledged)
killed=$(get "$first" killed)
resent=$(( $(get "$second" acknowledged) - acknowledged ))
resent_duplicates=$(( $(get "$second" duplicate) - $(get "$first" duplicate) ))
resend_failures=$(get "$second" failure_count)
read -r stored distinct < <(psql_home "$home" -At -F ' ' -c "
    SELECT count(*), count(DISTINCT external_id) FROM conversations c JOIN projects p ON p.id = c.project_id
    WHERE p.slug = 'kill' AND external_id LIKE 'kill-%'")
duplicates=$((stored - distinct))
verdict=PASS
[[ "$killed" == True ]] || verdict=FAIL
((acknowledged > 0 && acknowledged < total)) || verdict=FAIL
((acknowledged + resent == total && resend_failures == 0)) || verdict=FAIL
((stored == total && duplicates == 0)) || verdict=FAIL
record "kill -9 serve during bulk ingest" \
    "$acknowledged of $total acknowledged before the kill, $resent resent after the restart ($resent_duplicates of \
them already stored, counted as duplicates); stored $stored, distinct external ids $distinct, duplicates $duplicates" \
    "$verdict"

# ---- (b) worker killed during a clustering run (the new worker can take the job only once the killed one's lease,
# 30 s, has expired: that wait is by design and dominates the time to resume)
echo "$(date +%T) (b)"
kill -TERM "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
new_home whome
wport=$(free_port)
# potion embeds the demo in seconds; automatic runs are off so that the run under test is the one we ask for.
export PARLEY_EMBEDDER=potion PARLEY_CLUSTER_AUTO=0
start_serve "$whome" "$wport" PARLEY_WORKERS=0
"$PARLEY_BIN" demo --home "$whome" >"$RELIABILITY_ARTIFACTS/kill-demo.log" 2>&1
wkey=$(api_key "$whome" demo)
start_worker() {
    env LOG_LEVEL=info "$PARLEY_BIN" worker --home "$whome" >>"$RELIABILITY_ARTIFACTS/kill-worker.log" 2>&1 &
    WORKER_PID=$!
    PARLEY_PIDS+=("$WORKER_PID")
}
start_worker
q() { psql_home "$whome" -At -F ' ' -c "$1"; }
# wait until the demo is embedded (its pending embed work drained)
deadline=$((SECONDS + 600))
until [[ $(q "SELECT count(*) FROM pending_work WHERE kind = 'embed'") == 0 &&
         $(q "SELECT count(*) FROM conversation_embeddings") -gt 0 ]]; do
    ((SECONDS < deadline)) || { echo "demo never embedded" >&2; break; }
    sleep 1
done
embedded=$(q "SELECT count(*) FROM conversation_embeddings")
echo "$(date +%T) embedded: $embedded"
job=$(curl -sf -X POST -H "Authorization: Bearer $wkey" -H 'Content-Type: application/json' -d "{\"clusters\": $clusters}" \
    "http://127.0.0.1:$wport/api/v1/clusters/runs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')
echo "$(date +%T) cluster job $job"
# kill the worker as soon as the job is running (a run of the quick subset takes a few seconds: waiting for its first
# progress report could miss it on a busy machine)
deadline=$((SECONDS + 300))
killed_at=""
while ((SECONDS < deadline)); do
    read -r status progress < <(q "SELECT status, progress FROM jobs WHERE id = $job")
    if [[ "$status" == running ]]; then
        kill -KILL "$WORKER_PID"; killed_at=$(date +%s.%N)
        echo "$(date +%T) worker killed at progress $progress"
        break
    fi
    [[ "$status" == queued ]] || { echo "job is $status before the kill" >&2; break; }
    sleep 0.05
done
# Not killed (the job ended first, or never started): stop the worker, or the wait below never returns.
[[ -n "$killed_at" ]] || kill -TERM "$WORKER_PID" 2>/dev/null || true
wait "$WORKER_PID" 2>/dev/null || true
killed_progress=${progress:-0}
start_worker
resumed_at="" finished_at="" final=""
deadline=$((SECONDS + 600))
while ((SECONDS < deadline)); do
    read -r final attempts locked < <(q "SELECT status, attempts, coalesce(locked_by, '-') FROM jobs WHERE id = $job")
    if [[ -z "$resumed_at" && "$attempts" -ge 2 && ( "$final" == running || "$final" == succeeded ) ]]; then
        resumed_at=$(date +%s.%N)
    fi
    [[ "$final" == succeeded || "$final" == dead || "$final" == cancelled ]] && { finished_at=$(date +%s.%N); break; }
    sleep 0.2
done
read -r completed runs < <(q "SELECT count(*) FILTER (WHERE status = 'completed'), count(*) FROM cluster_runs
    WHERE job_id = $job")
read -r running_runs < <(q "SELECT count(*) FROM cluster_runs WHERE job_id = $job AND status = 'running'")
read -r members conversation_count < <(q "SELECT (SELECT count(*) FROM cluster_members m WHERE m.project_id = r.project_id), coalesce(r.conversation_count, -1) FROM cluster_runs r
    WHERE job_id = $job AND status = 'completed' ORDER BY id DESC LIMIT 1")
read -r active_clusters cluster_count < <(q "SELECT (SELECT count(*) FROM clusters c WHERE c.project_id = r.project_id
    AND c.status = 'active' AND c.level = 0), coalesce(r.cluster_count, -1) FROM cluster_runs r
    WHERE job_id = $job AND status = 'completed' ORDER BY id DESC LIMIT 1")
secs() { [[ -n "$1" && -n "$2" ]] && python3 -c "print(f'{$2 - $1:.1f}')" || echo "never"; }
resumed=$(secs "$killed_at" "$resumed_at")
finished=$(secs "$killed_at" "$finished_at")
verdict=PASS
[[ -n "$killed_at" && "$final" == succeeded && "$completed" == 1 && "$running_runs" == 0 ]] || verdict=FAIL
[[ "${members:-x}" == "${conversation_count:-y}" && "${active_clusters:-x}" == "${cluster_count:-y}" ]] || verdict=FAIL
record "kill -9 worker during a clustering run" \
    "$embedded conversations; worker killed at progress ${killed_progress} %; job taken over after $resumed s, \
$final after $finished s (attempts $attempts); runs of the job: $completed completed of $runs ($running_runs left \
running); members ${members:-?} for ${conversation_count:-?} conversations, active clusters ${active_clusters:-?} \
for ${cluster_count:-?}" "$verdict"
