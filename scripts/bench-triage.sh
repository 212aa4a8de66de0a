#!/usr/bin/env bash
# Triage API latency at 100,000 items: list (keyset pages), filtered lists, take-next and bulk actions on a filter.
# Loads conversations, rules, flags and triage items with SQL into a private PostgreSQL, then times the endpoints
# of `parley serve` with a keep-alive client (scripts/bench-triage.py). Prints figures; never fails on a number.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_ITEMS:-100000}
SCRATCH=${SCRATCH_PATH:-.build}
swift build -c release --product parley --scratch-path "$SCRATCH" | grep -E "error|Compiling|Build" || true
test -x "$SCRATCH/release/parley"
BIN="$SCRATCH/release/parley"
HOME_DIR=$(mktemp -d /tmp/parley-bench-triage-XXXX)
chmod 755 "$HOME_DIR"
PORT=$((20000 + RANDOM % 20000))
export LOG_LEVEL=warning PARLEY_WORKERS=0
$BIN serve --home "$HOME_DIR" --port $PORT >"$HOME_DIR/serve.log" 2>&1 &
SERVER=$!
cleanup() { kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$HOME_DIR"; }
trap cleanup EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
KEY=$($BIN apikey create --home "$HOME_DIR" --project bench --scopes ingest,read,write 2>/dev/null)
OTHER=$($BIN apikey create --home "$HOME_DIR" --project bench --scopes ingest,read,write 2>/dev/null)
PSQL=(psql -q -h "$HOME_DIR/postgres/run" -U parley -d parley -v ON_ERROR_STOP=1)

echo "== loading $N flagged conversations with triage items"
T0=$(date +%s.%N)
"${PSQL[@]}" <<SQL
SET synchronous_commit = off;
INSERT INTO flag_rules (project_id, name, severity, condition, phase, created_by)
SELECT p.id, r.name, r.severity, r.condition::jsonb, 'ingest', 'bench'
FROM projects p, (VALUES ('cards', 'critical', '{"type": "detector", "name": "pii", "kinds": ["payment_card"]}'),
                         ('emails', 'medium', '{"type": "detector", "name": "pii", "kinds": ["email"]}'),
                         ('refusals', 'low', '{"type": "detector", "name": "refusal"}'),
                         ('angry', 'high', '{"type": "detector", "name": "frustration"}')) AS r(name, severity, condition)
WHERE p.slug = 'bench';
INSERT INTO conversations (project_id, external_id, model, prompt_version, started_at, message_count, messages,
                           metadata, content_hash)
SELECT p.id, 'bench-' || i, (ARRAY['gpt-4o', 'gpt-4o-mini', 'claude'])[1 + i % 3], 'v' || (1 + i % 4),
       now() - (i % 100) * interval '1 day' - (i % 86400) * interval '1 second', 2,
       jsonb_build_array(jsonb_build_object('role', 'user', 'content', 'question number ' || i || ' about my card'),
                         jsonb_build_object('role', 'assistant', 'content', 'answer ' || i)),
       jsonb_build_object('tier', (ARRAY['free', 'pro', 'gold'])[1 + i % 3]), md5(i::text)
FROM projects p, generate_series(1, $N) AS i WHERE p.slug = 'bench';
INSERT INTO flags (project_id, conversation_id, rule_id, severity, detectors, reason, spans)
SELECT c.project_id, c.id, r.id, r.severity, '{pii}', r.name || ': bench', '[]'
FROM conversations c JOIN LATERAL (SELECT id, name, severity FROM flag_rules ORDER BY id OFFSET (c.id % 4) LIMIT 1) r ON true;
INSERT INTO triage_items (project_id, conversation_id, status, priority, assignee, labels, created_at, updated_at,
                          rule_ids, detectors)
SELECT c.project_id, c.id,
       CASE WHEN c.id % 10 < 7 THEN 'open' WHEN c.id % 10 < 8 THEN 'in_review' WHEN c.id % 10 < 9 THEN 'resolved'
            ELSE 'dismissed' END,
       CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END,
       CASE WHEN c.id % 10 < 7 THEN NULL ELSE 'api-key:' || (1 + c.id % 2) END,
       CASE WHEN c.id % 5 = 0 THEN '{billing}'::text[] ELSE '{}' END,
       c.started_at, c.started_at, ARRAY[f.rule_id], f.detectors
FROM conversations c JOIN flags f ON f.conversation_id = c.id;
ANALYZE;
SQL
T1=$(date +%s.%N)
echo "   loaded in $(awk -v a=$T0 -v b=$T1 'BEGIN { printf "%.1f", b-a }') s: $("${PSQL[@]}" -tAc "SELECT count(*) FROM triage_items") items"

if [ -n "${BENCH_KEEP:-}" ]; then
  echo "kept for inspection: ${PSQL[*]}   API http://127.0.0.1:$PORT key $KEY"
  wait $SERVER
fi
echo "== timing the triage API (server time seen by a keep-alive client on the same machine; CPU shared, noisy)"
python3 scripts/bench-triage.py "http://127.0.0.1:$PORT" "$KEY" "$OTHER"
