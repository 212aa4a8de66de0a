#!/usr/bin/env bash
# Browser tests: builds parley, serves the demo data from a private PostgreSQL in a temporary PARLEY_HOME, and
# drives headless Chromium through the dashboard (Tests/browser, selenium). Screenshots of every page go to
# test-artifacts/screenshots. The service and its database are stopped on every exit, failures included.
#
# Needs Debian's chromium and chromium-driver and a Python with selenium (scripts/deps.sh installs all three).
# Environment: SWIFT, SWIFT_BUILD_FLAGS (e.g. "--scratch-path .build-x"), PARLEY_BROWSER_VENV, BROWSER_PORT,
# BROWSER_TESTS (a file pattern such as "test_triage*.py"; default all), ARTIFACTS.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}

# Each test file gets its own service and demo database (tests of one feature change data another's assertions
# read: rules, intents, a sign-in rate limit), so the script runs itself once per file and sums the results.
if [[ -z "${BROWSER_ONE_FILE:-}" ]]; then
    started=$(date +%s)
    ARTIFACTS=${ARTIFACTS:-test-artifacts/screenshots}
    rm -rf "$ARTIFACTS" && mkdir -p "$ARTIFACTS"
    passed=0 failed=0 failures=""
    for file in Tests/browser/${BROWSER_TESTS:-test_*.py}; do
        [[ -f "$file" ]] || continue
        name=$(basename "$file")
        echo "== browser tests: $name"
        set +e
        output=$(BROWSER_ONE_FILE=1 BROWSER_TESTS="$name" ARTIFACTS="$ARTIFACTS" "$0" 2>&1)
        status=$?
        set -e
        echo "$output" | grep -E "^(test_|FAIL|ERROR|Traceback|AssertionError|selenium|browser)|\.\.\. |last lines" || true
        summary=$(grep -E "^browser: [0-9]+ passed, [0-9]+ failed" <<<"$output" | tail -1)
        if [[ -n "$summary" ]]; then
            passed=$((passed + $(awk '{print $2}' <<<"$summary")))
            failed=$((failed + $(awk '{print $4}' <<<"$summary")))
        fi
        if [[ $status -ne 0 ]]; then
            failures="$failures $name"
            [[ -z "$summary" ]] && { failed=$((failed + 1)); echo "$output" | tail -n 40; }
        fi
    done
    echo "browser-tests: $(ls "$ARTIFACTS" | wc -l) screenshots in $ARTIFACTS, $(( $(date +%s) - started )) s in all"
    echo "browser: $passed passed, $failed failed${failures:+ (in$failures)}"
    [[ $failed -eq 0 && $passed -gt 0 ]]
    exit
fi
read -r -a build_flags <<<"${SWIFT_BUILD_FLAGS:-}"
VENV=${PARLEY_BROWSER_VENV:-$HOME/.cache/parley/browser-venv}
ARTIFACTS=${ARTIFACTS:-test-artifacts/screenshots}
started=$(date +%s)

fail() { echo "browser-tests: $*" >&2; exit 1; }
command -v chromium >/dev/null || fail "chromium is missing (make deps)"
command -v chromedriver >/dev/null || fail "chromedriver is missing (make deps: Debian package chromium-driver)"
"$VENV/bin/python" -c 'import selenium' 2>/dev/null || fail "selenium is missing in $VENV (make deps)"

"$SWIFT" build "${build_flags[@]}" --product parley 2>&1 | tail -n 1
bin="$("$SWIFT" build "${build_flags[@]}" --show-bin-path)/parley"
[[ -x "$bin" ]] || fail "no parley binary at $bin"

home=$(mktemp -d "${TMPDIR:-/tmp}/parley-browser.XXXXXX")
chmod 755 "$home"  # the embedded PostgreSQL runs as the postgres user when we are root
log="$home/serve.log"
server=""
cleanup() {
    status=$?
    if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server" 2>/dev/null || true
    fi
    # A server that died hard leaves its PostgreSQL behind: stop that postmaster (ours, by its pid file).
    if [[ -f "$home/postgres/postmaster.pid" ]]; then
        postmaster=$(head -n 1 "$home/postgres/postmaster.pid")
        [[ "$postmaster" =~ ^[0-9]+$ ]] && kill -QUIT "$postmaster" 2>/dev/null || true
        sleep 1
    fi
    if [[ $status -ne 0 && -f "$log" ]]; then echo "--- last lines of the server log:"; tail -n 30 "$log"; fi
    rm -rf "$home"
    exit $status
}
trap cleanup EXIT INT TERM

port=${BROWSER_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
export PARLEY_HOME="$home" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warning
# Debug builds hash slowly; the stored hash carries its iteration count, so this only affects this run.
export PARLEY_PASSWORD_ITERATIONS=20000 PARLEY_WORKERS=1 PARLEY_EMBEDDER=${PARLEY_EMBEDDER:-potion}

demo_output=$("$bin" demo)
api_key=$(sed -n "s/^API key for project 'demo': //p" <<<"$demo_output")
[[ -n "$api_key" ]] || fail "parley demo printed no API key: $demo_output"
export PARLEY_API_KEY="$api_key"

"$bin" serve >"$log" 2>&1 &
server=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 150); do
    curl -fsS "$url/healthz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || fail "parley serve exited early"
    sleep 0.2
done
curl -fsS "$url/healthz" >/dev/null || fail "parley serve did not answer on $url"

# A conversation whose every field is an XSS payload.
xss_id=$(curl -fsS -X POST "$url/api/v1/conversations" -H "Authorization: Bearer $api_key" \
    -H 'Content-Type: application/json' --data-binary @- <<'JSON' | python3 -c 'import json, sys; print(json.load(sys.stdin)["parley_id"])'
{"id": "xss-<script>alert(1)</script>", "model": "<img src=x onerror=alert(1)>",
 "prompt_version": "\"><svg onload=alert(1)>", "user_id": "<b onmouseover=alert(1)>u</b>",
 "tags": ["<script>alert(1)</script>"], "metadata": {"<img src=x onerror=alert(1)>": "<script>window.__xss=1</script>"},
 "messages": [
   {"role": "system", "content": "<script>window.__xss = 1</script>"},
   {"role": "user", "content": "<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n\"><svg onload=alert(1)>"},
   {"role": "assistant", "content": [{"type": "text", "text": "<iframe src=javascript:alert(1)></iframe> {{csrf}}"}],
    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "<script>alert(1)</script>",
                    "arguments": "{\"q\": \"<img src=x onerror=alert(1)>\"}"}}]}],
 "feedback": {"thumb": "down", "comment": "<script>alert(1)</script>"}}
JSON
)
[[ "$xss_id" =~ ^[0-9]+$ ]] || fail "could not store the XSS conversation"

mkdir -p "$ARTIFACTS"
set +e
PARLEY_URL="$url" PARLEY_EMAIL=demo@parley.local PARLEY_PASSWORD=parley-demo PARLEY_XSS_ID="$xss_id" \
    SCREENSHOT_DIR="$ARTIFACTS" "$VENV/bin/python" Tests/browser/run.py
result=$?
set -e
echo "browser-tests: $(ls "$ARTIFACTS" | wc -l) screenshots in $ARTIFACTS, $(( $(date +%s) - started )) s in all"
exit $result
