#!/usr/bin/env bash
# libFuzzer + AddressSanitizer on the HTTP request parser for a bounded time (make fuzz-http).
# The parser sources are plain Swift with no Dispatch/Logging/Foundation, so they compile standalone here.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-150}"
OUT=.build-fuzz/http
CORPUS="$OUT/corpus"
mkdir -p "$CORPUS" "$OUT/artifacts"

SOURCES=(Sources/HTTPServer/Parser/*.swift Sources/HTTPServer/Request/QueryParameters.swift Tests/Fuzz/HTTPParserFuzz.swift)
echo "==> compiling ${#SOURCES[@]} files with -sanitize=fuzzer,address"
if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name HTTPParserFuzz \
    "${SOURCES[@]}" -o "$OUT/http-parser-fuzz" >"$OUT/compile.log" 2>&1; then
    grep -v 'Cannot export local symbol' "$OUT/compile.log" >&2
    exit 1
fi

# Seed corpus: a few well-formed and edge-case requests (first byte also picks the split point).
seed() { printf '%b' "$2" > "$CORPUS/seed-$1"; }
seed get 'GET /a/b?x=1&y=%20z HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n'
seed post 'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: h\r\n\r\n'
seed chunked 'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nwiki\r\n0\r\nT: v\r\n\r\n'
seed both 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'
seed http10 'GET http://example.com/x HTTP/1.0\r\n\r\n'
seed expect 'PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2, 2\r\n\r\nok'

echo "==> fuzzing for ${FUZZ_SECONDS}s"
set +e
"$OUT/http-parser-fuzz" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -max_len=4096 \
    -artifact_prefix="$OUT/artifacts/" "$CORPUS" >"$OUT/fuzz.log" 2>&1
status=$?
set -e

executions=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$OUT/fuzz.log" | grep -Eo '[0-9]+$' || echo 0)
rate=$(grep -Eo 'exec/s: *[0-9]+' "$OUT/fuzz.log" | tail -1 | grep -Eo '[0-9]+$' || echo 0)
crashes=$(find "$OUT/artifacts" -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' | wc -l | tr -d ' ')
echo "executions: ${executions}"
echo "exec/s (last report): ${rate}"
echo "crashes: ${crashes} (artifacts in $OUT/artifacts)"
if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    tail -40 "$OUT/fuzz.log"
    exit 1
fi
