#!/usr/bin/env bash
# Embedding throughput (potion and MiniLM, short and long texts) and exact top-k search latency at 1M vectors.
#
# Builds the bench-only package Benchmarks/EmbedBench (it compiles the app's Sources/Embeddings) in release
# mode, prepares 10,000 short texts (Banking77 + HWU64 queries) and 1,000 long ones (HH-RLHF conversations and
# MT-Bench reference answers) from shared/data into a temporary folder, and prints the figures.
#
# BENCH_SEARCH_ONLY=1 measures only the search (no models, no data); BENCH_SCRATCH=DIR builds into DIR
# (relative to Benchmarks/EmbedBench) instead of .build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${PARLEY_DATA:-$ROOT/../shared/data}"
SWIFT="${SWIFT:-swift}"
VECTORS="${BENCH_VECTORS:-1000000}"
SCRATCH="${BENCH_SCRATCH:-.build}"

if [[ "${BENCH_SEARCH_ONLY:-0}" == 1 ]]; then
    cd "$ROOT/Benchmarks/EmbedBench"
    "$SWIFT" build -c release --product EmbedBench --scratch-path "$SCRATCH" >/dev/null
    echo "Load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the cores slows the search)"
    exec "$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)/EmbedBench" --search-only "$VECTORS"
fi

[[ -d "$DATA" ]] || { echo "bench-embed: no data folder at $DATA (set PARLEY_DATA)" >&2; exit 1; }
"$ROOT/scripts/models.sh"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/parley-bench-embed.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

python3 - "$DATA" "$WORK" <<'PY'
import csv, gzip, json, os, sys
data, work = sys.argv[1], sys.argv[2]
short = []
for name in ("train.csv", "test.csv"):
    with open(os.path.join(data, "banking77", name), newline="", encoding="utf-8") as f:
        short += [row["text"] for row in csv.DictReader(f)]
for split in ("train", "test", "valid"):
    with open(os.path.join(data, "hwu64", split, "seq.in"), encoding="utf-8") as f:
        short += [line.strip() for line in f if line.strip()]
answers = []
with open(os.path.join(data, "mt_bench", "reference_answer_gpt-4.jsonl"), encoding="utf-8") as f:
    for line in f:
        for choice in json.loads(line).get("choices", []):
            answers += [turn for turn in choice.get("turns", []) if isinstance(turn, str) and len(turn) > 200]
with gzip.open(os.path.join(data, "hh_rlhf_harmless_base", "test.jsonl.gz"), "rt", encoding="utf-8") as f:
    chats = [json.loads(line)["chosen"].strip() for line in f]
long = answers + chats[: 1000 - len(answers)]
for name, texts, n in (("short.jsonl", short, 10000), ("long.jsonl", long, 1000)):
    with open(os.path.join(work, name), "w", encoding="utf-8") as out:
        for text in texts[:n]:
            out.write(json.dumps(text) + "\n")
PY

cd "$ROOT/Benchmarks/EmbedBench"
"$SWIFT" build -c release --product EmbedBench --scratch-path "$SCRATCH" >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; exit 1; }
echo "Load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other builds on the 2 cores lower the figures)"
"$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)/EmbedBench" \
    "$WORK/short.jsonl" "$WORK/long.jsonl" "$VECTORS"
