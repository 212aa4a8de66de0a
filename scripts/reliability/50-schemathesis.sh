#!/usr/bin/env bash
# schemathesis (PyPI, pinned, in its own venv) against /api/openapi.json of a `parley serve` on the demo data, with
# an API key holding every scope. Checks: no 5xx, answers fit the documented schema, content type and status code
# documented. Every operation is fuzzed, including deletes (the service is private to this check); the run's own
# key cannot be revoked through the API. Full mode: a generous example budget; quick mode: a small one (≲ 90 s).
source "$(dirname "$0")/lib.sh"

version=4.32.5
venv=${PARLEY_SCHEMATHESIS_VENV:-$HOME/.cache/parley/schemathesis-venv}
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$version')" \
    2>/dev/null; then
    echo "installing schemathesis $version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

new_home home
export PARLEY_PASSWORD_ITERATIONS=20000
echo "demo data: $(date +%T)"
"$PARLEY_BIN" demo --home "$home" >"$RELIABILITY_ARTIFACTS/schemathesis-demo.log" 2>&1
key=$(api_key "$home" demo ingest,read,write)
[[ -n "$key" ]] || { echo "no API key" >&2; exit 1; }
port=$(free_port)
# Quick mode runs no background worker (the jobs the fuzzer starts, clustering and training, would compete with the
# server for the two cores of CI); the full run has one, so jobs also change the data under the fuzzer.
start_serve "$home" "$port" PARLEY_WORKERS=$(quick && echo 0 || echo 1) PARLEY_EMBEDDER=${PARLEY_EMBEDDER:-potion}
url="http://127.0.0.1:$port"

# Quick: a few generated cases per operation within 35 s (the deterministic coverage phase alone takes minutes on a
# debug build). Full: the coverage phase (boundary and invalid values of every parameter) and fuzzing with a
# generous budget; with --max-time, fuzzing repeats until the budget is spent.
if quick; then
    examples=${SCHEMATHESIS_EXAMPLES:-4}; max_time=${SCHEMATHESIS_MAX_TIME:-35}; phases=examples,fuzzing
else
    examples=${SCHEMATHESIS_EXAMPLES:-100}; max_time=${SCHEMATHESIS_MAX_TIME:-900}; phases=examples,coverage,fuzzing
fi
report="$RELIABILITY_ARTIFACTS/schemathesis"
rm -rf "$report" && mkdir -p "$report"

# Objects the demo data lacks, so that operations on a replay set, an intent example and a job reach their logic
# instead of answering 404 to every made-up id: their ids are given to schemathesis for those operations only.
post() {  # post PATH JSON FIELD: prints FIELD of the answer (a path like ids.0)
    curl -fsS -X POST "$url$1" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' --data "$2" |
        python3 -c 'import json, sys
value = json.load(sys.stdin)
for part in sys.argv[1].split("."): value = value[int(part)] if part.isdigit() else value[part]
print(value)' "$3"
}
replay=$(post /api/v1/replays '{"name": "schemathesis replay"}' id)
intent=$(post /api/v1/intents '{"name": "Schemathesis intent"}' id)
example=$(post "/api/v1/intents/$intent/examples" '{"texts": ["an example from schemathesis"]}' ids.0)
# A clustering run may be queued already (the demo data can start one by itself: 409): then any job will do.
job=$(post /api/v1/clusters/runs '{}' job_id 2>/dev/null) ||
    job=$(curl -fsS "$url/api/v1/jobs?limit=1" -H "Authorization: Bearer $key" |
          python3 -c 'import json, sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
cat >"$report/schemathesis.toml" <<TOML
# No crash cache in the working tree (.schemathesis/); every run starts afresh.
[cache]
enabled = false

[[operations]]
include-path-regex = '^/api/v1/replays/\\{id\\}/(results|run|verdicts)$'
parameters = { "path.id" = $replay }

[[operations]]
include-path = "/api/v1/intents/{id}/examples/{example}"
parameters = { "path.id" = $intent, "path.example" = $example }

[[operations]]
include-path = "/api/v1/jobs/{id}/cancel"
parameters = { "path.id" = $job }
TOML

echo "schemathesis: $(date +%T)"
set +e
PYTHONPATH="$(pwd)/scripts/reliability" SCHEMATHESIS_HOOKS=schemathesis_hooks \
    "$venv/bin/st" --config-file "$report/schemathesis.toml" run "$url/api/openapi.json" \
    --header "Authorization: Bearer $key" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases "$phases" \
    --max-examples "$examples" --max-time "$max_time" --seed 11 \
    --workers 2 --request-timeout 30 --generation-database none --no-color --output-truncate false \
    --report junit,har --report-dir "$report" >"$report/run.log" 2>&1
status=$?
set -e
tail -n 60 "$report/run.log"

# Count from the reports: operations tested (JUnit test cases not skipped), requests sent (HAR entries), failures
# (operations with a failure or an error; the log lists each with a curl line to reproduce it).
read -r operations requests failures < <(python3 - "$report" <<'PY'
import json, pathlib, sys, xml.etree.ElementTree as ET
report = pathlib.Path(sys.argv[1])
tested, failing = set(), set()
for path in report.glob("junit-*.xml"):
    for case in ET.parse(path).getroot().iter("testcase"):
        tags = {child.tag for child in case}
        if "skipped" not in tags:
            tested.add(case.get("name"))
        if tags & {"failure", "error"}:
            failing.add(case.get("name"))
requests = sum(len(json.loads(p.read_text())["log"]["entries"]) for p in report.glob("har-*.json"))
print(len(tested | failing), requests, len(failing))
PY
)
[[ -n "$operations" ]] || { operations=0; requests=0; failures="?"; }

figure="$operations operations, $requests requests, $failures failures"
if [[ $status -eq 0 && $failures == 0 && $operations -gt 0 && $requests -gt 0 ]]; then
    record "schemathesis" "$figure" PASS
else
    record "schemathesis" "$figure (exit $status; see $report/run.log)" FAIL
fi
