#!/usr/bin/env bash
# Clustering quality on labelled sets (Banking77 and HWU64 test splits), true k and automatic k, 3 seeds:
# NMI, ARI, ACC, cluster count and time per seed and their mean.
#
# Builds Benchmarks/ClusterEval in release mode; embeddings are computed once with the Embeddings module and
# cached under .build-cluster/ (git-ignored). Arguments, if any, are passed to one `eval` run instead, e.g.
#   scripts/eval-cluster.sh --data hwu64 --k auto --embedder potion --seeds 3
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SWIFT="${SWIFT:-swift}"
export PARLEY_DATA="${PARLEY_DATA:-$ROOT/../shared/data}"

[[ -d "$PARLEY_DATA" ]] || { echo "eval-cluster: no data folder at $PARLEY_DATA (set PARLEY_DATA)" >&2; exit 1; }
"$ROOT/scripts/models.sh"

cd "$ROOT/Benchmarks/ClusterEval"
LOG="$(mktemp "${TMPDIR:-/tmp}/parley-eval-cluster.XXXXXX")"
trap 'rm -f "$LOG"' EXIT
"$SWIFT" build -c release --product ClusterEval >"$LOG" 2>&1 || { cat "$LOG" >&2; exit 1; }
BIN="$("$SWIFT" build -c release --show-bin-path)/ClusterEval"
cd "$ROOT"
if [[ $# -gt 0 ]]; then
    exec "$BIN" eval "$@"
fi
"$BIN" eval --data banking77 --k 77 --seeds 3
"$BIN" eval --data banking77 --k auto --seeds 3
"$BIN" eval --data hwu64 --k 64 --seeds 3
"$BIN" eval --data hwu64 --k auto --seeds 3
