#!/usr/bin/env bash
# Clustering benchmark: a full ClusteringPipeline run and incremental assignment on 100,000 and 1,000,000
# synthetic 384-d unit vectors, with wall time and peak RSS (VmHWM).
#
# Builds the bench-only package Benchmarks/ClusterEval (it compiles the app's Sources/Insights and
# Sources/Embeddings) in release mode. BENCH_SIZES overrides the sizes, e.g. BENCH_SIZES=100000.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SWIFT="${SWIFT:-swift}"
SIZES="${BENCH_SIZES:-100000,1000000}"

cd "$ROOT/Benchmarks/ClusterEval"
LOG="$(mktemp "${TMPDIR:-/tmp}/parley-bench-cluster.XXXXXX")"
trap 'rm -f "$LOG"' EXIT
"$SWIFT" build -c release --product ClusterEval >"$LOG" 2>&1 || { cat "$LOG" >&2; exit 1; }
cd "$ROOT"
"$("$SWIFT" build -c release --package-path "$ROOT/Benchmarks/ClusterEval" --show-bin-path)/ClusterEval" bench --sizes "$SIZES"
