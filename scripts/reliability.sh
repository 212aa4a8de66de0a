#!/usr/bin/env bash
# make reliability: every reliability and security check (scripts/reliability/NN-name.sh, in order), then one
# table of each check with its figure. Exits non-zero when any check fails. RELIABILITY_QUICK=1 runs the fast
# subset with small budgets (part of `make test`); RELIABILITY_CHECKS="fuzz soak" runs only the checks whose file
# names contain one of the words. Logs of every check go to test-artifacts/reliability/.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
read -r -a build_flags <<<"${SWIFT_BUILD_FLAGS:-}"
export RELIABILITY_QUICK=${RELIABILITY_QUICK:-0}
export RELIABILITY_ARTIFACTS=${RELIABILITY_ARTIFACTS:-test-artifacts/reliability}
rm -rf "$RELIABILITY_ARTIFACTS" && mkdir -p "$RELIABILITY_ARTIFACTS"
export RELIABILITY_RESULTS="$RELIABILITY_ARTIFACTS/results.tsv"
: >"$RELIABILITY_RESULTS"
started=$(date +%s)

# The quick subset reuses the debug build of `make test`; the full run measures a release build.
if [[ "$RELIABILITY_QUICK" == 1 ]]; then configuration=debug; else configuration=release; fi
"$SWIFT" build -c "$configuration" "${build_flags[@]}" --product parley 2>&1 | tail -n 1
export PARLEY_BIN="$("$SWIFT" build -c "$configuration" "${build_flags[@]}" --show-bin-path)/parley"
[[ -x "$PARLEY_BIN" ]] || { echo "reliability: no parley binary at $PARLEY_BIN" >&2; exit 1; }

for check in scripts/reliability/[0-9]*.sh; do
    name=$(basename "$check" .sh); name=${name#*-}
    if [[ -n "${RELIABILITY_CHECKS:-}" ]]; then
        selected=0
        for word in $RELIABILITY_CHECKS; do [[ "$name" == *"$word"* ]] && selected=1; done
        [[ $selected == 1 ]] || continue
    fi
    echo "== $name"
    rows_before=$(wc -l <"$RELIABILITY_RESULTS")
    check_started=$(date +%s)
    set +e
    bash "$check" >"$RELIABILITY_ARTIFACTS/$name.log" 2>&1
    status=$?
    set -e
    grep -E '^   (PASS|FAIL) ' "$RELIABILITY_ARTIFACTS/$name.log" || true
    if [[ $status -ne 0 ]] && ! tail -n +$((rows_before + 1)) "$RELIABILITY_RESULTS" | grep -q $'\tFAIL$'; then
        printf '%s\t%s\t%s\n' "$name" "the check stopped with status $status (see $RELIABILITY_ARTIFACTS/$name.log)" FAIL \
            >>"$RELIABILITY_RESULTS"
        tail -n 20 "$RELIABILITY_ARTIFACTS/$name.log"
    fi
    echo "   ($(( $(date +%s) - check_started )) s)"
done

echo
echo "reliability ($([[ "$RELIABILITY_QUICK" == 1 ]] && echo "fast subset" || echo "full run"), $(( $(date +%s) - started )) s):"
awk -F'\t' '{ printf "  %-4s  %-44s %s\n", $3, $1, $2 }' "$RELIABILITY_RESULTS"
failed=$(grep -c $'\tFAIL$' "$RELIABILITY_RESULTS" || true)
total=$(wc -l <"$RELIABILITY_RESULTS")
echo "reliability: $((total - failed)) passed, $failed failed"
[[ $total -gt 0 && $failed -eq 0 ]]
