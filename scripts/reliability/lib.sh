# Shared by the checks of `make reliability` (scripts/reliability.sh); sourced, not run.
# A check is one script scripts/reliability/NN-name.sh that records one or more rows with `record` and exits 0;
# a non-zero exit without a FAIL row recorded is reported as a failure of the check by the runner.
#
# Environment set by the runner: PARLEY_BIN (the parley program to test), RELIABILITY_QUICK (1 = the fast subset
# run by `make test`: small budgets), RELIABILITY_RESULTS (the rows file), RELIABILITY_ARTIFACTS (a folder for logs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PARLEY_BIN=${PARLEY_BIN:-.build/debug/parley}
RELIABILITY_QUICK=${RELIABILITY_QUICK:-0}
RELIABILITY_RESULTS=${RELIABILITY_RESULTS:-/dev/stdout}
RELIABILITY_ARTIFACTS=${RELIABILITY_ARTIFACTS:-test-artifacts/reliability}
mkdir -p "$RELIABILITY_ARTIFACTS"

quick() { [[ "$RELIABILITY_QUICK" == 1 ]]; }

# record CHECK FIGURE PASS|FAIL: one row of the final table (the figure is a short human-readable measurement).
record() {
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RELIABILITY_RESULTS"
    printf '   %-4s %s: %s\n' "$3" "$1" "$2"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# new_home VAR: sets VAR to a new private PARLEY_HOME (its embedded PostgreSQL is created on first start), removed
# with its PostgreSQL on exit. (Not `home=$(new_home)`: a subshell could not register it for the cleanup.)
PARLEY_HOMES=()
new_home() {
    local _new_home
    _new_home=$(mktemp -d "${TMPDIR:-/tmp}/parley-reliability.XXXXXX")
    chmod 755 "$_new_home"  # the embedded PostgreSQL runs as the postgres user when we are root
    PARLEY_HOMES+=("$_new_home")
    printf -v "$1" '%s' "$_new_home"
}

# start_serve HOME PORT [VAR=value ...]: `parley serve` in the background; sets SERVE_PID; waits for /readyz.
start_serve() {
    local home=$1 port=$2; shift 2
    env LOG_LEVEL=${LOG_LEVEL:-warning} "$@" "$PARLEY_BIN" serve --home "$home" --port "$port" \
        >>"$home/serve-$port.log" 2>&1 &
    SERVE_PID=$!
    PARLEY_PIDS+=("$SERVE_PID")
    wait_ready "$port" || { tail -n 30 "$home/serve-$port.log" >&2; return 1; }
}

wait_ready() {  # wait_ready PORT [SECONDS]
    local deadline=$((SECONDS + ${2:-120}))
    until curl -sf "http://127.0.0.1:$1/readyz" >/dev/null; do
        ((SECONDS < deadline)) || { echo "no /readyz on port $1" >&2; return 1; }
        sleep 0.2
    done
}

# api_key HOME PROJECT [SCOPES]: prints a new API key.
api_key() { "$PARLEY_BIN" apikey create --home "$1" --project "$2" --scopes "${3:-ingest,read,write}" 2>/dev/null; }

psql_home() { local home=$1; shift; psql -q -h "$home/postgres/run" -U parley -d parley -v ON_ERROR_STOP=1 "$@"; }

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PARLEY_PIDS=()
cleanup_homes() {
    local pid
    for pid in "${PARLEY_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PARLEY_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    for home in "${PARLEY_HOMES[@]}"; do
        # an embedded PostgreSQL left behind by a killed server
        [[ -f "$home/postgres/data/postmaster.pid" ]] &&
            su postgres -c "$PG_BIN/pg_ctl -D '$home/postgres/data' stop -m immediate" >/dev/null 2>&1 || true
        rm -rf "$home"
    done
}
trap cleanup_homes EXIT
