#!/usr/bin/env bash
# Fuzzing (issue #11): libFuzzer + AddressSanitizer on the HTTP parser, the conversation JSON, NDJSON bulk/import,
# OTLP trace and multipart decoders (scripts/fuzz.sh), each for a fixed budget. One row per target with the
# executions; any crash, leak, timeout or out-of-memory input fails it, and the input and stack are in this log.
# Budget: FUZZ_SECONDS per target (120), 10 s in the quick subset, which starts from the seeds alone (a fresh
# corpus) so that its time stays bounded. Compiled harnesses are cached in .build-fuzz by their sources' checksum.
source "$(dirname "$0")/lib.sh"

targets=(http json ndjson otlp multipart)
if quick; then
    seconds=10
    export FUZZ_FRESH_CORPUS=1
else
    seconds=${FUZZ_SECONDS:-120}
fi

# Compile first, two at a time (2 cores), so that the fuzzing budgets below are not shared with compilers.
compile_failed=()
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    pids=()
    for target in "${targets[@]:i:2}"; do
        FUZZ_COMPILE_ONLY=1 scripts/fuzz.sh "$target" >"$RELIABILITY_ARTIFACTS/fuzz-$target-compile.log" 2>&1 &
        pids+=("$!:$target")
    done
    for entry in "${pids[@]}"; do
        wait "${entry%%:*}" || compile_failed+=("${entry#*:}")
    done
done

for target in "${targets[@]}"; do
    if [[ " ${compile_failed[*]} " == *" $target "* ]]; then
        echo "== fuzz $target: the harness did not compile"
        cat "$RELIABILITY_ARTIFACTS/fuzz-$target-compile.log"
        record "fuzz $target" "the harness did not compile" FAIL
        continue
    fi
    echo "== fuzz $target (${seconds} s)"
    set +e
    FUZZ_SECONDS=$seconds scripts/fuzz.sh "$target" 2>&1 | tee "$RELIABILITY_ARTIFACTS/fuzz-$target.log"
    status=${PIPESTATUS[0]}
    set -e
    summary=$(grep -E "^fuzz $target: " "$RELIABILITY_ARTIFACTS/fuzz-$target.log" | tail -n 1)
    if [[ -z "$summary" ]]; then
        record "fuzz $target" "the fuzzer stopped with status $status before reporting" FAIL
        continue
    fi
    # "fuzz http: 123 executions in 10 s (12 exec/s), 0 crashes" -> "123 executions in 10 s, 0 crashes"
    executions=$(sed -E 's/.*: ([0-9]+) executions.*/\1/' <<<"$summary")
    took=$(sed -E 's/.* in ([0-9]+) s .*/\1/' <<<"$summary")
    crashes=$(sed -E 's/.*, ([0-9]+) crashes$/\1/' <<<"$summary")
    figure="$(sed -E ':a; s/([0-9])([0-9]{3})($|,)/\1,\2\3/; ta' <<<"$executions") executions in $took s, $crashes crashes"
    if [[ $status -eq 0 && $crashes -eq 0 && $executions -gt 0 ]]; then
        record "fuzz $target" "$figure" PASS
    else
        [[ $executions -gt 0 ]] || figure="$figure (no input ran)"
        record "fuzz $target" "$figure" FAIL
    fi
done
