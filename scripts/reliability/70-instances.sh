#!/usr/bin/env bash
# Several instances (issue 11, point 2): two `parley serve` (no workers) and two `parley worker` processes on ONE
# PostgreSQL. PostgreSQL is the embedded cluster of one shared --home, started here by the operator (this script):
# every parley process then finds it "already running", so none of them stops it when it exits (cleanup_homes does).
#
# Rows: ingest spread over both servers (every acknowledged conversation stored exactly once; rate with 1 and 2
# servers), every background job run exactly once by one of the two workers (and its work done once: embeddings,
# search rows, flags), sessions shared (sign in on A, pages and a form post on B), an API key revoked on B refused by
# A within the 10 s key cache, an import uploaded on A imported by a worker and shown on B, and `parley purge`
# throughput on synthetic old conversations while the instances run.
source "$(dirname "$0")/lib.sh"

if quick; then ingest_count=1000; purge_count=10000; else ingest_count=20000; purge_count=100000; fi
log=$RELIABILITY_ARTIFACTS/instances
mkdir -p "$log"
py() { python3 scripts/reliability/instances.py "$@"; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, d))' "$1"; }
sql() { psql_home "$home" -At "$@"; }

new_home home
"$PARLEY_BIN" migrate --home "$home" >"$log/migrate.log" 2>&1
su postgres -c "$PG_BIN/pg_ctl -D '$home/postgres/data' -l '$home/postgres/postgres.log' -w start" >/dev/null
password="instances-$RANDOM-$RANDOM-pass"
key=$(api_key "$home" inst "ingest,read,write")
# The admin is written directly, its PBKDF2 hash in the service's format computed by Python's C code. The quick
# subset runs a debug build, where 600,000 rounds take half a minute per sign-in: it uses the test setting
# PARLEY_PASSWORD_ITERATIONS=1000 (this check is about instances, not hashing); the full run keeps 600,000.
if quick; then export PARLEY_PASSWORD_ITERATIONS=1000; else export PARLEY_PASSWORD_ITERATIONS=600000; fi
password_hash=$(python3 -c 'import base64, hashlib, os, sys
salt, rounds = os.urandom(16), int(sys.argv[2])
derived = hashlib.pbkdf2_hmac("sha256", sys.argv[1].encode(), salt, rounds, 32)
b64 = lambda x: base64.b64encode(x).decode().rstrip("=")
print(f"$pbkdf2-sha256$i={rounds}$" + b64(salt) + "$" + b64(derived))' "$password" "$PARLEY_PASSWORD_ITERATIONS")
sql -v hash="$password_hash" >/dev/null <<'SQL'
WITH u AS (INSERT INTO users (email, display_name, password_hash) VALUES ('admin@example.com', 'Admin', :'hash')
           RETURNING id)
INSERT INTO project_memberships (project_id, user_id, role) SELECT p.id, u.id, 'admin' FROM projects p, u
WHERE p.slug = 'inst';
SQL
doomed_key=$(api_key "$home" inst "read")
doomed_id=$(sql -c "SELECT id FROM api_keys ORDER BY id DESC LIMIT 1")

export PARLEY_EMBEDDER=potion  # the fast static model: the check is about coordination, not embedding speed
port_a=$(free_port); port_b=$(free_port)
start_serve "$home" "$port_a" PARLEY_WORKERS=0
start_serve "$home" "$port_b" PARLEY_WORKERS=0
a=http://127.0.0.1:$port_a; b=http://127.0.0.1:$port_b
curl -sf -X POST "$a/api/v1/rules" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"name": "Refunds", "severity": "low", "condition": {"type": "keywords", "words": ["refund"]}}' \
    >"$log/rule.json"

# 1. Ingest: the same load through one server, then alternating between two (no workers yet: the rates compare).
py ingest --servers "$a" --key "$key" --count "$ingest_count" --prefix one --ids "$log/ids-one.txt" >"$log/ingest-one.json"
py ingest --servers "$a,$b" --key "$key" --count "$ingest_count" --prefix two --ids "$log/ids-two.txt" \
    >"$log/ingest-two.json"

# 2. Two workers; more conversations arrive through both servers while they work (follow-up jobs keep being queued),
#    then a clustering run.
WORKER_PIDS=()
start_worker() {
    env LOG_LEVEL=info "$PARLEY_BIN" worker --home "$home" --count 1 >"$log/worker-$1.log" 2>&1 &
    PARLEY_PIDS+=("$!"); WORKER_PIDS+=("$!")
}
start_worker 1
start_worker 2
py ingest --servers "$a,$b" --key "$key" --count $((ingest_count / 2)) --batch 20 --concurrency 2 --prefix live \
    --ids "$log/ids-live.txt" >"$log/ingest-live.json"
curl -sf -X POST "$a/api/v1/clusters/runs" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"clusters": 5}' >"$log/cluster-run.json" || echo "cluster run not queued" >&2
if quick; then deadline=$((SECONDS + 60)); else deadline=$((SECONDS + 300)); fi
until [[ $(sql -c "SELECT (SELECT count(*) FROM jobs WHERE status IN ('queued', 'running'))
                       + (SELECT count(*) FROM pending_work)") == 0 ]]; do
    ((SECONDS < deadline)) || break
    sleep 0.5
done
sleep 1  # the last "job succeeded" lines

cat "$log"/ids-*.txt | grep -v '^$' >"$log/ids-all.txt"
acked=$(wc -l <"$log/ids-all.txt")
read -r stored distinct missing < <(sql -F ' ' <<SQL
CREATE TEMP TABLE acked (external_id text);
\copy acked FROM '$log/ids-all.txt'
SELECT (SELECT count(*) FROM conversations), (SELECT count(DISTINCT external_id) FROM conversations),
       (SELECT count(*) FROM acked a WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.external_id = a.external_id));
SQL
)
rate_one=$(json rate <"$log/ingest-one.json"); rate_two=$(json rate <"$log/ingest-two.json")
split=$(json "'/'.join(map(str, per_server))" <"$log/ingest-two.json")
failed=$(( $(json failed_batches <"$log/ingest-one.json") + $(json failed_batches <"$log/ingest-two.json")
          + $(json failed_batches <"$log/ingest-live.json") ))
figure="$acked acknowledged ($split via A/B), $stored stored, $missing missing, $((stored - distinct)) duplicated, $failed batches refused; $rate_one conv/s via 1 server, $rate_two via 2 (batches of 50, 4 clients, 2 cores)"
if [[ $acked -eq $((ingest_count * 5 / 2)) && $stored -eq $acked && $distinct -eq $stored && $missing -eq 0 && $failed -eq 0 ]]; then
    record "instances: ingest over 2 servers" "$figure" PASS
else
    record "instances: ingest over 2 servers" "$figure" FAIL
fi

# Every job: claimed once, by one worker, succeeded at its first attempt; its work done once.
grep -h 'job started' "$log"/worker-*.log | grep -o 'job=[0-9]*' | sort >"$log/started.txt" || true
w1=$(grep -c 'job started' "$log/worker-1.log" || true); w2=$(grep -c 'job started' "$log/worker-2.log" || true)
twice=$(uniq -d "$log/started.txt" | wc -l)
read -r jobs succeeded retried open < <(sql -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE status = 'succeeded'),
    count(*) FILTER (WHERE attempts <> 1), count(*) FILTER (WHERE status IN ('queued', 'running')) FROM jobs")
kinds=$(sql -c "SELECT string_agg(kind || ' ' || n, ', ' ORDER BY kind) FROM (SELECT kind, count(*) n FROM jobs GROUP BY 1) k")
# The embed jobs' own counts ("N of M conversations embedded") add up to the conversations: no row embedded twice.
embedded_by_jobs=$(sql -c "SELECT coalesce(sum(substring(progress_message FROM '^([0-9]+) of')::int), 0) FROM jobs
    WHERE kind = 'embed' AND progress_message ~ '^[0-9]+ of'")
read -r embeddings searchable flags expected_flags members < <(sql -F ' ' -c "SELECT
    (SELECT count(*) FROM conversation_embeddings), (SELECT count(*) FROM conversation_search),
    (SELECT count(*) FROM flags), (SELECT count(*) FROM conversations WHERE messages::text ILIKE '%refund%'),
    (SELECT count(*) FROM cluster_members)")
figure="$jobs jobs ($kinds): $succeeded succeeded, $retried retried, $open left, $twice started twice; worker 1 ran $w1, worker 2 ran $w2; $embeddings embeddings ($embedded_by_jobs counted by the embed jobs), $searchable search rows, $flags flags (expected $expected_flags), $members clustered, for $stored conversations"
if [[ $jobs -gt 0 && $succeeded -eq $jobs && $retried -eq 0 && $twice -eq 0 && $((w1 + w2)) -eq $jobs && $w1 -gt 0 \
      && $w2 -gt 0 && $embeddings -eq $stored && $embedded_by_jobs -eq $stored && $searchable -eq $stored \
      && $flags -eq $expected_flags && $expected_flags -gt 0 && $members -eq $stored ]]; then
    record "instances: each job once over 2 workers" "$figure" PASS
else
    record "instances: each job once over 2 workers" "$figure" FAIL
fi

# 3. Sessions and key revocation: signed in on A, pages and a form post on B; the form revokes a key A just verified.
if py browser --a "$a" --b "$b" --email admin@example.com --password "$password" --key "$doomed_key" \
        --key-id "$doomed_id" --session "$log/session.txt" >"$log/browser.json" 2>"$log/browser.err"; then
    pages=$(json "len(pages)" <"$log/browser.json")
    record "instances: session from A works on B" "signed in on A; $pages pages and the revoke form (CSRF) on B answered 200/303" PASS
    on_b=$(json b_after_revoke <"$log/browser.json"); after=$(json a_refused_after <"$log/browser.json")
    meanwhile=$(json a_accepted_meanwhile <"$log/browser.json")
    figure="revoked on B: B refuses at once ($on_b); A refused it after ${after} s ($meanwhile requests still accepted; cache 10 s)"
    if [[ $on_b == 401 && $after != None ]] && python3 -c "import sys; sys.exit(0 if $after <= 10.5 else 1)"; then
        record "instances: revoked key refused everywhere" "$figure" PASS
    else
        record "instances: revoked key refused everywhere" "$figure" FAIL
    fi
else
    record "instances: session from A works on B" "$(tail -n 1 "$log/browser.err")" FAIL
fi

# 4. An import uploaded on A (the file goes to PostgreSQL), imported by whichever worker, shown done on B.
python3 - "$log/upload.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as out:
    for n in range(500):
        out.write(json.dumps({"id": f"upload-{n}", "messages": [{"role": "user", "content": f"Imported question {n}"}]}) + "\n")
PY
if py upload --a "$a" --b "$b" --session "$log/session.txt" --file "$log/upload.jsonl" \
        --name chats.jsonl --give-up 60 >"$log/upload.json" 2>"$log/upload.err"; then
    import_id=$(json import_id <"$log/upload.json"); took=$(json seconds <"$log/upload.json")
    job_id=$(sql -c "SELECT job_id FROM imports WHERE id = $import_id")
    # The page shows the counts as soon as the last batch is recorded; the job deletes the file's chunks just after.
    for _ in $(seq 50); do
        [[ $(sql -c "SELECT status FROM jobs WHERE id = $job_id") == succeeded ]] && break
        sleep 0.2
    done
    by=$(grep -l "job=$job_id .*job started\|job started.*job=$job_id\b" "$log"/worker-*.log 2>/dev/null | xargs -r -n1 basename | sed 's/.log//' | tr '\n' ' ')
    read -r created chunks imported < <(sql -F ' ' -c "SELECT created_count, (SELECT count(*) FROM import_chunks),
        (SELECT count(*) FROM conversations WHERE external_id LIKE 'upload-%') FROM imports WHERE id = $import_id")
    disk=$(find "$home" -name '*.upload' | wc -l)
    figure="500 lines uploaded on A, imported by ${by:-?}in ${took} s, shown done on B: $created new, $imported stored; $chunks chunks and $disk files left"
    if [[ $created == 500 && $imported == 500 && $chunks == 0 && $disk == 0 && -n $by ]]; then
        record "instances: import uploaded on A" "$figure" PASS
    else
        record "instances: import uploaded on A" "$figure" FAIL
    fi
else
    record "instances: import uploaded on A" "$(tail -n 1 "$log/upload.err")" FAIL
fi

# The workers are done with what this check looks at; a clustering run the import triggered may still be running
# (minutes in a debug build), and a stopping worker finishes its job first: stop them, then kill what remains.
for pid in "${WORKER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for _ in $(seq 50); do
    alive=0; for pid in "${WORKER_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break; sleep 0.2
done
for pid in "${WORKER_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done

# 5. Retention: `parley purge` of synthetic conversations 200 days old, each with an embedding, a search row, a flag
#    and a cluster membership, while the two servers serve.
kept_before=$(sql -c "SELECT count(*) FROM conversations")
sql >/dev/null <<SQL
INSERT INTO projects (slug, name) VALUES ('old', 'old');
INSERT INTO conversations (project_id, external_id, started_at, message_count, messages, content_hash, model)
SELECT (SELECT id FROM projects WHERE slug = 'old'), 'old-' || g, now() - interval '200 days' - g * interval '1 second', 2,
       jsonb_build_array(jsonb_build_object('role', 'user', 'content', 'refund request ' || g),
                         jsonb_build_object('role', 'assistant', 'content', repeat('an answer of some length ', 20))),
       md5(g::text), 'gpt-4o'
FROM generate_series(1, $purge_count) g;
INSERT INTO conversation_embeddings (conversation_id, project_id, model, vector)
SELECT id, project_id, 'potion', decode(repeat('00', 1024), 'hex') FROM conversations WHERE external_id LIKE 'old-%';
INSERT INTO conversation_search (conversation_id, project_id, search)
SELECT id, project_id, to_tsvector('english', 'refund request') FROM conversations WHERE external_id LIKE 'old-%';
INSERT INTO flag_rules (project_id, name, severity, condition, phase, created_by)
SELECT id, 'old', 'low', '{}', 'ingest', 'test' FROM projects WHERE slug = 'old';
INSERT INTO flags (project_id, conversation_id, rule_id, severity, detectors, reason)
SELECT c.project_id, c.id, r.id, 'low', '{keywords}', 'test' FROM conversations c JOIN flag_rules r ON r.project_id = c.project_id
WHERE c.external_id LIKE 'old-%';
INSERT INTO clusters (project_id) SELECT id FROM projects WHERE slug = 'old';
INSERT INTO cluster_members (conversation_id, project_id, cluster_id, similarity)
SELECT c.id, c.project_id, k.id, 0.9 FROM conversations c JOIN clusters k ON k.project_id = c.project_id
WHERE c.external_id LIKE 'old-%';
ANALYZE;
SQL
"$PARLEY_BIN" purge --home "$home" --older-than 90d --dry-run >"$log/purge-dry.txt" 2>&1
"$PARLEY_BIN" purge --home "$home" --older-than 90d >"$log/purge.txt" 2>"$log/purge.err"
deleted=$(grep -o '^deleted [0-9]*' "$log/purge.txt" | grep -o '[0-9]*' || echo 0)
rate=$(grep -o '([0-9]*/s)' "$log/purge.txt" | tr -d '()/s' || echo 0)
read -r left derived kept_after < <(sql -F ' ' -c "SELECT
    (SELECT count(*) FROM conversations WHERE external_id LIKE 'old-%'),
    (SELECT count(*) FROM conversation_embeddings e JOIN projects p ON p.id = e.project_id WHERE p.slug = 'old')
      + (SELECT count(*) FROM flags f JOIN projects p ON p.id = f.project_id WHERE p.slug = 'old')
      + (SELECT count(*) FROM cluster_members m JOIN projects p ON p.id = m.project_id WHERE p.slug = 'old'),
    (SELECT count(*) FROM conversations)")
dry=$(grep -o 'dry run: [0-9]*' "$log/purge-dry.txt" | grep -o '[0-9]*' || echo 0)
figure="$deleted of $purge_count old conversations purged at $rate conv/s (batches of 5,000, with embeddings, search rows, flags, members; while serving); dry run counted $dry; $left left, $derived derived rows left, $kept_after of $kept_before recent kept"
if [[ $deleted == "$purge_count" && $dry == "$purge_count" && $left == 0 && $derived == 0 && $kept_after == "$kept_before" ]]; then
    record "instances: purge throughput" "$figure" PASS
else
    record "instances: purge throughput" "$figure" FAIL
fi
