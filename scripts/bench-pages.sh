#!/usr/bin/env bash
# Dashboard pages and API lists at scale: BENCH_CONVERSATIONS (default 1,000,000) synthetic conversations with
# embeddings, a clustering run, intents and their predictions, flags and triage items, loaded into a private
# PostgreSQL; then `parley serve` (its workers idle by then, so that nothing else uses the CPU) is asked for each
# main page and API list endpoint 200 times by a signed-in keep-alive client (scripts/bench-pages.py), which
# prints p50/p95 of the server time (the `Server-Timing` header) and of the wall time per request.
# Prints figures; never fails on a number. BENCH_KEEP=1 keeps the service running for inspection afterwards;
# BENCH_REQUESTS sets the requests per path (default 200). BENCH_HOME=dir keeps the loaded database in dir and, when
# dir already holds one, skips the loading (for measuring a change again without ten minutes of loading).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_CONVERSATIONS:-1000000}
SCRATCH=${SCRATCH_PATH:-.build}
python3 -c "import numpy" 2>/dev/null || pip install -q numpy
# PARLEY_BIN=path measures that program instead of building one.
if [ -z "${PARLEY_BIN:-}" ]; then
  swift build -c release --product parley --scratch-path "$SCRATCH" | grep -E "error|Build" || true
fi
BIN="${PARLEY_BIN:-$SCRATCH/release/parley}"
test -x "$BIN"
if [ -n "${BENCH_HOME:-}" ]; then
  HOME_DIR=$(realpath -m "$BENCH_HOME"); mkdir -p "$HOME_DIR"
else
  HOME_DIR=$(mktemp -d /tmp/parley-bench-pages-XXXX)
fi
chmod 755 "$HOME_DIR"
PORT=$((20000 + RANDOM % 20000))
MODEL="sentence-transformers/all-MiniLM-L6-v2"
export LOG_LEVEL=warning PARLEY_CLUSTER_AUTO=0 PARLEY_PASSWORD_ITERATIONS=600000
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && { kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; }
  [ -n "${BENCH_HOME:-}" ] || rm -rf "$HOME_DIR"
}
trap cleanup EXIT
start_server() {  # $1 = number of background workers
  PARLEY_WORKERS=$1 $BIN serve --home "$HOME_DIR" --port $PORT >>"$HOME_DIR/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return; sleep 0.1; done
  echo "parley serve did not start"; tail "$HOME_DIR/serve.log"; exit 1
}
stop_server() { kill -TERM $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""; }
seconds() { awk -v a=$1 -v b=$(date +%s.%N) 'BEGIN { printf "%.0f", b-a }'; }

# Workers on from the start: no work is queued by the SQL loading below; they train the intent model and
# classify every conversation, and are idle again (the script waits) before any timing.
start_server 2
KEY=$($BIN apikey create --home "$HOME_DIR" --project bench --scopes ingest,read,write 2>/dev/null)
PSQL=(psql -q -h "$HOME_DIR/postgres/run" -U parley -d parley -v ON_ERROR_STOP=1)
PROJECT=$("${PSQL[@]}" -tAc "SELECT id FROM projects WHERE slug = 'bench'")

if [ -f "$HOME_DIR/bench-loaded" ]; then
  echo "== reusing the database loaded in $HOME_DIR"
else
echo "bench-pages-password" | $BIN user create --home "$HOME_DIR" --email bench@parley.local --password-stdin \
  --project bench --role admin --name "Bench Admin" >/dev/null
echo "== loading $N conversations"
T0=$(date +%s.%N)
"${PSQL[@]}" <<SQL
SET synchronous_commit = off;
-- 200 topics; two user turns and two answers; three models, four prompt versions, 60 days, some feedback.
INSERT INTO conversations (project_id, external_id, model, prompt_version, started_at, message_count, messages,
                           metadata, tags, feedback_thumb, feedback_rating, content_hash)
SELECT $PROJECT, 'bench-' || g, (ARRAY['gpt-4o', 'gpt-4o-mini', 'claude-sonnet'])[1 + g % 3], 'v' || (1 + g % 4),
       now() - ((g::bigint * 7919) % 60) * interval '1 day' - (g % 86400) * interval '1 second', 4,
       jsonb_build_array(
         jsonb_build_object('role', 'user', 'content',
           (ARRAY['How do I', 'Can you help me', 'I need to', 'Why can''t I', 'Please explain how to'])[1 + g % 5]
           || ' ' || (ARRAY['change', 'cancel', 'renew', 'verify', 'transfer', 'report', 'update', 'close'])[1 + (g / 7) % 8]
           || ' my subject' || ((g - 1) % 200) || ' account' || ' (ticket ' || g || ')?'),
         jsonb_build_object('role', 'assistant', 'content',
           'Sure. To handle subject' || ((g - 1) % 200) || ' go to Settings, then follow the steps shown. '
           || repeat('Here is more detail about the process. ', 1 + g % 6)),
         jsonb_build_object('role', 'user', 'content', (ARRAY['thanks', 'that did not work', 'ok and then?'])[1 + g % 3]),
         jsonb_build_object('role', 'assistant', 'content', 'You are welcome. Anything else?')),
       jsonb_build_object('tier', (ARRAY['free', 'pro', 'enterprise'])[1 + g % 3],
                          'channel', (ARRAY['web', 'ios', 'android', 'api'])[1 + g % 4]),
       CASE WHEN g % 50 = 0 THEN ARRAY['vip'] ELSE '{}' END,
       CASE WHEN g % 10 = 0 THEN 1 WHEN g % 10 = 1 THEN -1 END,
       CASE WHEN g % 20 = 2 THEN 1 + g % 5 END,
       md5(g::text)
FROM generate_series(1, $N) g;
INSERT INTO conversation_search (conversation_id, project_id, search)
SELECT id, project_id, jsonb_to_tsvector('english'::regconfig, messages, '["string"]') FROM conversations;
SQL
echo "   conversations and search index: $(seconds $T0) s"
T0=$(date +%s.%N)
python3 scripts/bench-cluster-data.py "$N" "$PROJECT" "$MODEL" "$HOME_DIR/vectors.copy"
chmod 644 "$HOME_DIR/vectors.copy"
"${PSQL[@]}" -c "\\copy conversation_embeddings (conversation_id, project_id, model, vector) FROM '$HOME_DIR/vectors.copy' WITH (FORMAT binary)"
rm -f "$HOME_DIR/vectors.copy"
"${PSQL[@]}" -c "DELETE FROM pending_work"
"${PSQL[@]}" -c "VACUUM ANALYZE"
echo "   embeddings: $(seconds $T0) s"
T0=$(date +%s.%N)
$BIN cluster run --home "$HOME_DIR" --project bench | tail -1
echo "   clustering run: $(seconds $T0) s"

echo "== intents (zero-shot model from examples, predictions for every conversation), flags and triage items"
T0=$(date +%s.%N)
python3 - "http://127.0.0.1:$PORT" "$KEY" <<'PY'
import json, sys, urllib.request
base, key = sys.argv[1], sys.argv[2]
def call(method, path, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))
verbs = ["change", "cancel", "renew", "verify", "transfer", "report", "update", "close"]
for verb in verbs:
    intent = call("POST", "/api/v1/intents", {"name": verb.capitalize() + " an account",
                                              "description": "Users who want to " + verb})
    call("POST", "/api/v1/intents/%d/examples" % intent["id"],
         {"texts": ["How do I %s my subject%d account?" % (verb, n) for n in range(0, 200, 40)]})
call("POST", "/api/v1/intents/models/train", {})
call("POST", "/api/v1/rules", {"name": "Frustrated users", "severity": "high",
     "condition": {"type": "keywords", "words": ["did not work"]}})
PY
for _ in $(seq 1 1800); do
  left=$("${PSQL[@]}" -tAc "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")
  [ "$left" = "0" ] && break
  sleep 1
done
"${PSQL[@]}" <<SQL
SET synchronous_commit = off;
-- 3 % flagged (the rule above, written directly rather than by evaluating it over a million conversations).
INSERT INTO flags (project_id, conversation_id, rule_id, severity, detectors, reason, spans)
SELECT c.project_id, c.id, r.id, r.severity, '{keywords}', 'Frustrated users: "did not work"',
       '[{"message": 2, "start": 0, "end": 17, "text": "that did not work"}]'
FROM conversations c, flag_rules r WHERE c.project_id = $PROJECT AND r.project_id = $PROJECT AND c.id % 33 = 1
ON CONFLICT DO NOTHING;
INSERT INTO triage_items (project_id, conversation_id, status, priority, assignee, rule_ids, detectors, created_at,
                          updated_at)
SELECT f.project_id, f.conversation_id,
       CASE WHEN f.conversation_id % 10 < 7 THEN 'open' WHEN f.conversation_id % 10 < 8 THEN 'in_review'
            WHEN f.conversation_id % 10 < 9 THEN 'resolved' ELSE 'dismissed' END,
       3, CASE WHEN f.conversation_id % 10 >= 7 THEN 'user:1' END, ARRAY[f.rule_id], f.detectors, f.created_at, f.created_at
FROM flags f WHERE f.project_id = $PROJECT ON CONFLICT DO NOTHING;
ANALYZE;
SQL
echo "   $(seconds $T0) s: $("${PSQL[@]}" -tAc "SELECT count(*) FROM conversation_intents") predictions, \
$("${PSQL[@]}" -tAc "SELECT count(*) FROM triage_items") triage items"
touch "$HOME_DIR/bench-loaded"
fi

if [ -n "${BENCH_KEEP:-}" ]; then
  echo "kept: http://127.0.0.1:$PORT  bench@parley.local / bench-pages-password  key $KEY  psql: ${PSQL[*]}"
fi
echo "== timing (200 requests each, one keep-alive client; server time from Server-Timing)"
python3 -u scripts/bench-pages.py "http://127.0.0.1:$PORT" bench@parley.local bench-pages-password "$KEY" "${BENCH_REQUESTS:-200}"
# A benchmark never fails on a number: the status is the script's own (0 unless something broke).
if [ -n "${BENCH_KEEP:-}" ]; then wait $SERVER; fi
