#!/usr/bin/env bash
# Clustering through the service: N synthetic conversations with embeddings in PostgreSQL, then
# `parley cluster run` (load vectors, cluster, name, match, store members and statistics), a second run
# (matching against the first), and `parley cluster assign` of conversations whose cluster rows were removed
# (incremental assignment as the embedding job does it, in pages of 20,000). Wall time and peak RSS.
# BENCH_SIZES=100000,1000000 by default. Prints figures; never fails on a number.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${BENCH_SIZES:-100000,1000000}"
python3 -c "import numpy" 2>/dev/null || pip install -q numpy
swift build -c release --product parley >/dev/null
BIN=$PWD/.build/release/parley
MODEL="sentence-transformers/all-MiniLM-L6-v2"
export LOG_LEVEL=warning PARLEY_WORKERS=0 PARLEY_CLUSTER_AUTO=0
peak() { awk '/Maximum resident set size/ {printf "%.0f MiB", $6/1024}' "$1"; }
wall() { awk '/Elapsed \(wall clock\)/ {print $8}' "$1"; }

for N in ${SIZES//,/ }; do
  HOME_DIR=$(mktemp -d /tmp/parley-bench-XXXX)
  chmod 755 "$HOME_DIR"
  PORT=$((20000 + RANDOM % 20000))
  $BIN serve --home "$HOME_DIR" --port $PORT >"$HOME_DIR/serve.log" 2>&1 &
  SERVER=$!
  trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$HOME_DIR"' EXIT
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  $BIN apikey create --home "$HOME_DIR" --project bench >/dev/null 2>&1
  PSQL=(psql -q -h "$HOME_DIR/postgres/run" -U parley -d parley -v ON_ERROR_STOP=1)
  PROJECT=$("${PSQL[@]}" -tAc "SELECT id FROM projects WHERE slug = 'bench'")
  echo "== $N conversations: loading"
  T0=$(date +%s.%N)
  "${PSQL[@]}" -c "
    INSERT INTO conversations (project_id, external_id, started_at, message_count, messages, content_hash, model)
    SELECT $PROJECT, 'bench-' || g, now() - ((g::bigint * 7919) % 30) * interval '1 day' - (g % 86400) * interval '1 second', 2,
           jsonb_build_array(
             jsonb_build_object('role', 'user', 'content',
               'question about subject' || ((g - 1) % 200) || ' with term' || ((g - 1) % 200) || 'x and detail' || (g % 17)),
             jsonb_build_object('role', 'assistant', 'content', 'An answer.')),
           md5(g::text), CASE WHEN g % 2 = 0 THEN 'model-a' ELSE 'model-b' END
    FROM generate_series(1, $N) g"
  "${PSQL[@]}" -tAc "SELECT min(id) = 1 AND max(id) = $N FROM conversations" | grep -q t || { echo "unexpected ids"; exit 1; }
  python3 scripts/bench-cluster-data.py "$N" "$PROJECT" "$MODEL" "$HOME_DIR/vectors.copy"
  chmod 644 "$HOME_DIR/vectors.copy"
  "${PSQL[@]}" -c "\\copy conversation_embeddings (conversation_id, project_id, model, vector) FROM '$HOME_DIR/vectors.copy' WITH (FORMAT binary)"
  "${PSQL[@]}" -c "DELETE FROM pending_work"
  "${PSQL[@]}" -c "VACUUM ANALYZE"
  rm -f "$HOME_DIR/vectors.copy"
  echo "   loaded in $(awk -v a=$T0 -v b=$(date +%s.%N) 'BEGIN {printf "%.0f", b-a}') s"

  for RUN in first second; do
    /usr/bin/time -v $BIN cluster run --home "$HOME_DIR" --project bench >"$HOME_DIR/run.out" 2>"$HOME_DIR/run.time" \
      || { cat "$HOME_DIR/run.out" "$HOME_DIR/run.time"; exit 1; }
    echo "   $RUN run: $(wall "$HOME_DIR/run.time") wall, peak RSS $(peak "$HOME_DIR/run.time"): $(tail -1 "$HOME_DIR/run.out")"
  done

  REMOVED=$(( N / 10 ))
  "${PSQL[@]}" -c "DELETE FROM cluster_members WHERE conversation_id % 10 = 3"
  /usr/bin/time -v $BIN cluster assign --home "$HOME_DIR" --project bench >"$HOME_DIR/assign.out" 2>"$HOME_DIR/assign.time"
  echo "   incremental assignment of $REMOVED: $(tail -1 "$HOME_DIR/assign.out"), peak RSS $(peak "$HOME_DIR/assign.time")"
  kill -TERM $SERVER; wait $SERVER 2>/dev/null || true
  rm -rf "$HOME_DIR"
  trap - EXIT
done
