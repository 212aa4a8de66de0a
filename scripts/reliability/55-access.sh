#!/usr/bin/env bash
# The authorisation matrix and the session checks, which are Swift tests against the real embedded PostgreSQL:
# AccessMatrixTests (every route × anonymous/viewer/reviewer/admin and every API route × key scopes, other
# projects' ids, every form post without its CSRF token) and DashboardAuthTests (CSRF, session fixation, cookie
# flags, rate limiting, roles). One row with the counts the matrix test prints and the tests passed. The same in
# quick and full mode (the suites take about a minute).
source "$(dirname "$0")/lib.sh"
SWIFT=${SWIFT:-swift}
read -r -a build_flags <<<"${SWIFT_BUILD_FLAGS:-}"
log="$RELIABILITY_ARTIFACTS/access-tests.log"

if ! "$SWIFT" build --build-tests "${build_flags[@]}" >"$RELIABILITY_ARTIFACTS/access-build.log" 2>&1; then
    tail -n 30 "$RELIABILITY_ARTIFACTS/access-build.log"
    record "access matrix" "the tests did not build (see $RELIABILITY_ARTIFACTS/access-build.log)" FAIL
    exit 0
fi
set +e
"$SWIFT" test --skip-build "${build_flags[@]}" --filter 'AccessMatrixTests|DashboardAuthTests' >"$log" 2>&1
status=$?
set -e
grep -E '^(access-matrix:|✘|.*Test run with)' "$log" | head -n 40 || true

# Swift Testing prints one "✔ Test name() passed" / "✘ Test name() failed" line per test.
passed=$(grep -cE '^✔ Test [^ ]+\(\) passed' "$log" || true)
failed=$(grep -cE '^✘ Test [^ ]+\(\) (failed|recorded)' "$log" || true)
matrix=$(sed -n 's/^access-matrix: //p' "$log" | tail -n 1)
figure="${matrix:-no matrix counts printed}; $passed tests passed, $failed failed"
if [[ $status -eq 0 && $failed -eq 0 && $passed -gt 0 && -n "$matrix" ]]; then
    record "access matrix" "$figure" PASS
else
    record "access matrix" "$figure (exit $status; see $log)" FAIL
fi
