#!/usr/bin/env bash
# payloads: every XSS and SQL payload of scripts/reliability/corpus through every filter (query parameters and path
# ids of the dashboard pages and API lists) and every stored field, against one `parley serve` with two projects:
# no 5xx, no SQL error text, no row or marker of the other project, no pg_sleep delay, and no script run by any
# page that shows the stored payloads in headless Chromium (scripts/reliability/payloads.py does the work).
source "$(dirname "$0")/lib.sh"

VENV=${PARLEY_BROWSER_VENV:-$HOME/.cache/parley/browser-venv}
if ! "$VENV/bin/python" -c 'import selenium' 2>/dev/null || ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    record "payloads" "selenium, chromium or chromedriver missing (make deps)" FAIL
    exit 0
fi

new_home home
port=$(free_port)
export PARLEY_PASSWORD_ITERATIONS=20000
start_serve "$home" "$port" PARLEY_WORKERS=1 PARLEY_EMBEDDER=${PARLEY_EMBEDDER:-potion}
password="payloads-admin-password"
"$PARLEY_BIN" user create --home "$home" --email admin@payloads.test --project victim --role admin \
    --name "Payload Admin" --password-stdin <<<"$password" >/dev/null
victim_key=$(api_key "$home" victim)
other_key=$(api_key "$home" other)
[[ -n "$victim_key" && -n "$other_key" ]] || { record "payloads" "could not create the API keys" FAIL; exit 0; }

# A chromedriver port of our own range (other checks run browsers too).
driver_port=$(python3 -c '
import socket
for port in range(47100, 47200):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port)); print(port); break
    except OSError: pass
    finally: s.close()')

log="$RELIABILITY_ARTIFACTS/payloads-detail.log"
set +e
PARLEY_URL="http://127.0.0.1:$port" VICTIM_KEY="$victim_key" OTHER_KEY="$other_key" \
    ADMIN_EMAIL=admin@payloads.test ADMIN_PASSWORD="$password" OTHER_MARKER="OTHERPROJ-7f3c9b" \
    PSQL="psql -q -h $home/postgres/run -U parley -d parley" PAYLOADS_QUICK=$(quick && echo 1 || echo 0) \
    CHROMEDRIVER_PORT="$driver_port" ARTIFACTS="$RELIABILITY_ARTIFACTS" \
    "$VENV/bin/python" scripts/reliability/payloads.py 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

rows=$(grep -c '^RESULT ' "$log" || true)
grep '^RESULT ' "$log" | sed 's/^RESULT //' | while IFS=$'\t' read -r name figure verdict; do
    record "$name" "$figure" "$verdict"
done
if [[ $status -ne 0 || $rows -lt 3 ]]; then
    record "payloads" "payloads.py stopped with status $status after $rows of 3 results (see $log)" FAIL
fi
cp "$home/serve-$port.log" "$RELIABILITY_ARTIFACTS/payloads-server.log" 2>/dev/null || true
if grep -q ' 5[0-9][0-9] \| error ' "$home/serve-$port.log" 2>/dev/null; then
    echo "--- server log errors:"; grep -m 20 -i 'error' "$home/serve-$port.log" || true
fi
