#!/usr/bin/env bash
# libFuzzer + AddressSanitizer on one of Parley's input decoders for a bounded time:
#   scripts/fuzz.sh TARGET        TARGET = http | json | ndjson | otlp | multipart
#
#   http       HTTP/1.1 request parser (Sources/HTTPServer/Parser), fed in two pieces.
#   json       POST /api/v1/conversations: JSONParser, ConversationValidator (one or a batch), ConversationInput.encoded.
#   ndjson     POST /api/v1/conversations/bulk (LineSplitter + parse + validate) and file imports (LineReader,
#              ImportReader: JSONL, fine-tuning JSONL, CSV).
#   otlp       POST /v1/traces: OTLPTraceMapper (spans, GenAI message conventions, merge), then validate + encode.
#   multipart  multipart/form-data: MultipartParser.boundary and MultipartParser.parse.
#
# How: each harness (Tests/Fuzz/<Target>Fuzz.swift) is compiled by `swiftc -sanitize=fuzzer,address` together with
# only the product sources of its decoder, as one standalone module. The decoders are plain Swift over Foundation,
# so this works without building (and instrumenting) the whole Parley target, which pulls in PostgreSQL, the server
# and the models; SwiftPM has no fuzzer product type either. Where a decoder names a type whose file needs the
# server, the harness carries a data-only stand-in (Tests/Fuzz/ParleyStubs.swift, MultipartStubs.swift). Swift's
# runtime checks stay on (-O): a force unwrap, an overflow or an out-of-bounds index traps and is a crash.
#
# The compiled harness is cached in .build-fuzz/<target>/ keyed by the SHA-256 of its sources, flags and compiler.
# Seeds: Tests/Fuzz/corpus/<target>/ (http's are written below); new inputs go to .build-fuzz/<target>/corpus,
# which persists between runs unless FUZZ_FRESH_CORPUS=1. Any crash, leak, timeout (FUZZ_TIMEOUT seconds for one
# input: quadratic blow-ups) or out-of-memory fails the run; the input is left in .build-fuzz/<target>/artifacts.
#
# Environment: FUZZ_SECONDS (120), FUZZ_TIMEOUT (10), FUZZ_FRESH_CORPUS (0), FUZZ_COMPILE_ONLY (0).
# Last line of output: `fuzz TARGET: N executions in S s (R exec/s), K crashes`. Exit status 0 only without crashes.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=${1:-}
FUZZ_SECONDS="${FUZZ_SECONDS:-120}"
FUZZ_TIMEOUT="${FUZZ_TIMEOUT:-10}"

PARLEY_CORE=(
    Sources/Parley/Support/JSONParser.swift Sources/Parley/Support/JSONParser+String.swift
    Sources/Parley/Support/JSONValue.swift Sources/Parley/Support/Timestamp.swift Sources/Parley/Support/SHA256.swift
    Sources/Parley/Ingest/ConversationInput.swift Sources/Parley/Ingest/ConversationValidator.swift
    Sources/Parley/Ingest/ConversationValidator+Fields.swift Sources/Parley/Ingest/IngestLimits.swift
    Tests/Fuzz/ParleyStubs.swift Tests/Fuzz/ConversationChecks.swift Tests/Fuzz/FuzzCheck.swift
)
case "$TARGET" in
http)
    SOURCES=(Sources/HTTPServer/Parser/*.swift Sources/HTTPServer/Request/QueryParameters.swift
        Tests/Fuzz/FuzzCheck.swift Tests/Fuzz/HTTPParserFuzz.swift)
    MAX_LEN=4096 ;;
json)
    SOURCES=("${PARLEY_CORE[@]}" Tests/Fuzz/JSONFuzz.swift)
    MAX_LEN=8192 ;;
ndjson)
    SOURCES=("${PARLEY_CORE[@]}" Sources/Parley/Ingest/LineSplitter.swift Sources/Parley/Import/LineReader.swift
        Sources/Parley/Import/ImportError.swift Sources/Parley/Import/ImportReader.swift
        Sources/Parley/Import/ImportReader+CSV.swift Sources/Parley/Import/ImportReader+CSVMapping.swift
        Tests/Fuzz/NDJSONFuzz.swift)
    MAX_LEN=8192 ;;
otlp)
    SOURCES=("${PARLEY_CORE[@]}" Sources/Parley/Ingest/OTLP/*.swift Tests/Fuzz/OTLPFuzz.swift)
    MAX_LEN=16384 ;;
multipart)
    SOURCES=(Sources/HTTPServer/Parser/*.swift Sources/HTTPServer/Request/MultipartParser.swift
        Tests/Fuzz/MultipartStubs.swift Tests/Fuzz/FuzzCheck.swift Tests/Fuzz/MultipartFuzz.swift)
    MAX_LEN=4096 ;;
*)
    echo "usage: scripts/fuzz.sh http|json|ndjson|otlp|multipart" >&2
    exit 2 ;;
esac

OUT=.build-fuzz/$TARGET
BIN="$OUT/$TARGET-fuzz"
CORPUS="$OUT/corpus"
ARTIFACTS="$OUT/artifacts"
SEEDS="Tests/Fuzz/corpus/$TARGET"
DICT="Tests/Fuzz/$TARGET.dict"
[[ "${FUZZ_FRESH_CORPUS:-0}" == 1 ]] && rm -rf "$CORPUS"
rm -rf "$ARTIFACTS"
mkdir -p "$CORPUS" "$ARTIFACTS"

FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -swift-version 6 -enable-upcoming-feature ExistentialAny
    -module-name "$(tr '[:lower:]' '[:upper:]' <<<"${TARGET:0:1}")${TARGET:1}Fuzz")
key=$({ printf '%s\n' "${FLAGS[@]}" "${SOURCES[@]}"; swiftc --version 2>&1; cat "${SOURCES[@]}"; } | sha256sum | cut -d' ' -f1)
if [[ -x "$BIN" && "$(cat "$OUT/build.sha256" 2>/dev/null)" == "$key" ]]; then
    echo "==> $BIN is up to date (${#SOURCES[@]} sources unchanged)"
else
    echo "==> compiling ${#SOURCES[@]} files with -sanitize=fuzzer,address"
    rm -f "$OUT/build.sha256"
    if ! swiftc "${FLAGS[@]}" "${SOURCES[@]}" -o "$BIN" >"$OUT/compile.log" 2>&1; then
        grep -v 'Cannot export local symbol' "$OUT/compile.log" >&2
        exit 1
    fi
    echo "$key" >"$OUT/build.sha256"
fi
[[ "${FUZZ_COMPILE_ONLY:-0}" == 1 ]] && exit 0

# http's seeds: a few well-formed and edge-case requests (the first byte also picks the split point).
if [[ "$TARGET" == http ]]; then
    SEEDS="$OUT/seeds"
    mkdir -p "$SEEDS"
    seed() { printf '%b' "$2" >"$SEEDS/seed-$1"; }
    seed get 'GET /a/b?x=1&y=%20z HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n'
    seed post 'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: h\r\n\r\n'
    seed chunked 'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nwiki\r\n0\r\nT: v\r\n\r\n'
    seed both 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'
    seed http10 'GET http://example.com/x HTTP/1.0\r\n\r\n'
    seed expect 'PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2, 2\r\n\r\nok'
fi
options=(-max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -max_len="$MAX_LEN" -print_final_stats=1
    -artifact_prefix="$ARTIFACTS/")
[[ -f "$DICT" ]] && options+=(-dict="$DICT")

# Swift's own crash backtracer would hang under ASan; libFuzzer prints the stack instead.
export SWIFT_BACKTRACE=enable=no
echo "==> fuzzing $TARGET for ${FUZZ_SECONDS}s"
started=$(date +%s.%N)
set +e
"$BIN" "${options[@]}" "$CORPUS" "$SEEDS" >"$OUT/fuzz.log" 2>&1
status=$?
set -e
seconds=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')

# The final stats are missing when the fuzzer stopped on a crash: then the last status line counts.
executions=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$OUT/fuzz.log" | grep -Eo '[0-9]+$' || true)
[[ -n "$executions" ]] || executions=$(grep -Eo '^#[0-9]+' "$OUT/fuzz.log" | tail -n 1 | tr -d '#' || true)
executions=${executions:-0}
rate=$(( executions / (seconds > 0 ? seconds : 1) ))
crashes=$(find "$ARTIFACTS" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
if [[ "$status" -ne 0 || "$crashes" -ne 0 ]]; then
    echo "==> $TARGET failed (status $status); log $OUT/fuzz.log; inputs:"
    find "$ARTIFACTS" -type f | sed 's/^/    /'
    for input in "$ARTIFACTS"/*; do
        [[ -f "$input" ]] && { echo "    $(basename "$input") as bytes:"; head -c 600 "$input" | od -An -c | head -n 12; }
    done
    # The error and its stack, with Swift symbols demangled.
    awk '/^==[0-9]+==|Fatal error|^MS: |ERROR: libFuzzer|SUMMARY/ { show = 1 } show' "$OUT/fuzz.log" | head -n 80 |
        swift demangle --simplified 2>/dev/null || tail -n 60 "$OUT/fuzz.log"
    [[ "$crashes" -ne 0 ]] || crashes=1
fi
echo "fuzz $TARGET: $executions executions in $seconds s ($rate exec/s), $crashes crashes"
[[ "$status" -eq 0 && "$crashes" -eq 0 ]]
