#!/usr/bin/env python3
"""Hostile input through every filter and stored field of a running `parley serve` (scripts/reliability/60-payloads.sh).

Three parts, each printing one result line `RESULT <name>\t<figure>\t<PASS|FAIL>` that the shell script records:
  params   every XSS and SQL payload (corpus/xss.txt, corpus/sqli.txt) in every query parameter and path id of the
           dashboard pages and API lists: no 5xx, no SQL error text or stack in a body, no payload reflected as raw
           markup in HTML, the other project's marker never in an answer, no pg_sleep payload delays an answer;
  sql      the other project's rows (every table with a project_id) are unchanged after everything;
  browser  the XSS payloads stored in every stored field (conversations, rules, triage, clusters, intents, users,
           project, API keys, replay sets, imports), then every page that shows them in signed-in headless Chromium:
           no script runs (window.__xss, alert), no element or attribute from a payload exists, payload text visible.

Environment: PARLEY_URL, VICTIM_KEY and OTHER_KEY (API keys of the two projects), ADMIN_EMAIL, ADMIN_PASSWORD,
PSQL (the psql command line of the server's database, words separated by spaces), OTHER_MARKER (a string only in
the other project's data), PAYLOADS_QUICK=1 (a subset), CHROMEDRIVER_PORT, ARTIFACTS.
"""

import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

import parleyhttp

HERE = os.path.dirname(os.path.abspath(__file__))
URL = os.environ.get("PARLEY_URL", "http://127.0.0.1:8080").rstrip("/")
VICTIM_KEY = os.environ["VICTIM_KEY"]
OTHER_KEY = os.environ["OTHER_KEY"]
ADMIN_EMAIL = os.environ["ADMIN_EMAIL"]
ADMIN_PASSWORD = os.environ["ADMIN_PASSWORD"]
PSQL = os.environ["PSQL"].split()
MARKER = os.environ.get("OTHER_MARKER", "OTHERPROJECTMARKER")
QUICK = os.environ.get("PAYLOADS_QUICK") == "1"
ARTIFACTS = os.environ.get("ARTIFACTS", "test-artifacts/reliability")
SLEEP_SECONDS = 3.0  # the corpus's pg_sleep(3)

# Text that only a database error or a crash puts in a body (none of it is in a payload).
LEAK = re.compile(r"syntax error at or near|SQLSTATE|PSQLError|unterminated quoted|invalid input syntax for|"
                  r"ERROR:\s\s|pg_catalog|violates .* constraint|Fatal error|\.swift:\d+|Stack trace|"
                  r"relation \"\w+\" does not exist|column \"\w+\" does not exist|PQexec|libpq", re.I)


def load(name):
    """A corpus file's payloads: \\xHH and \\uHHHH decoded, comments and blank lines left out."""
    payloads = []
    with open(os.path.join(HERE, "corpus", name), encoding="utf-8") as file:
        for line in file:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            payloads.append(re.sub(r"\\x([0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})",
                                   lambda m: chr(int(m.group(1) or m.group(2), 16)), line))
    return payloads


XSS = load("xss.txt")
SQLI = load("sqli.txt")


def subset(payloads, count, must):
    """`count` payloads: the first of each `must` pattern (NUL bytes, pg_sleep…), then an even spread of the rest."""
    chosen = []
    for pattern in must:
        chosen += [p for p in payloads if pattern in p and p not in chosen][:1]
    rest = [p for p in payloads if p not in chosen]
    step = max(1, len(rest) // (count - len(chosen)))
    return chosen + rest[::step][: count - len(chosen)]


if QUICK:
    XSS = subset(XSS, 15, ["\x00", "\u202e", '"><', "javascript:", "{{"])
    SQLI = subset(SQLI, 15, ["pg_sleep", "\x00", "UNION", "' OR 1=1--", "::", "=gold"])


class Client(parleyhttp.Client):
    """(status, headers, body text, seconds) per request, against the service under test."""

    def __init__(self, headers=None):
        super().__init__(URL, headers)

    def request(self, method, path, body=None, headers=None, timeout=60):
        status, response_headers, data, seconds = self.send(method, path, body, headers, timeout)
        return status, response_headers, data.decode("utf-8", "replace"), seconds

    def json(self, method, path, document):
        return self.request(method, path, json.dumps(document), {"Content-Type": "application/json"})


def q(value):
    return urllib.parse.quote(value, safe="")


def sign_in():
    return parleyhttp.sign_in(Client(), ADMIN_EMAIL, ADMIN_PASSWORD)


def csrf(browser, path="/settings"):
    return browser.csrf(path)


class Findings:
    """Every problem seen, by kind, with the first few examples kept for the log."""

    def __init__(self):
        self.counts = {}
        self.examples = {}

    def add(self, kind, example):
        """Counts one; prints the first two of each kind and place (the text before " <- ")."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        examples = self.examples.setdefault((kind, example.split(" <- ")[0]), [])
        if len(examples) < 2:
            examples.append(example)
            print(f"  {kind}: {example}", flush=True)

    def count(self, *kinds):
        return sum(self.counts.get(kind, 0) for kind in kinds)


findings = Findings()
requests_sent = 0


def check(label, status, headers, body, seconds, payload):
    """The assertions every answer to a payload must pass."""
    global requests_sent
    requests_sent += 1
    where = f"{label} <- {payload!r}"[:300]
    if status >= 500:
        findings.add("5xx", f"{status} {where}: {body[:200]!r}")
    leak = LEAK.search(body)
    if leak:
        findings.add("leak", f"{where}: {leak.group(0)!r} in the body")
    if MARKER in body:
        findings.add("other-project", f"{where}: the other project's marker in the body")
    if "pg_sleep" in payload and seconds >= SLEEP_SECONDS * 0.9:
        findings.add("delay", f"{where}: {seconds:.1f} s")
    if "html" in (headers.get("Content-Type") or "") and "<" in payload and len(payload) > 6 and payload in body:
        findings.add("raw-markup", f"{where}: the payload is in the HTML unescaped")


# Query parameters and path ids of every page and API list (from Sources/Parley/Web and the routers).
FILTER = ["q", "model", "prompt", "feedback", "from", "to", "intent", "cluster", "flag", "meta"]
TRIAGE = ["status", "assignee", "severity", "rule", "detector", "model", "prompt_version", "cluster", "label",
          "reviewer", "from", "to"]
COMPARE = [f"{side}.{name}" for side in "ab" for name in FILTER]
EXPORT = FILTER + ["feedback", "flagged", "corrected", "min_rating", "limit"]


def targets(ids):
    """(kind, path template with {} for the payload) pairs; kind is "page", "api" or "anon"."""
    pages = {
        "/": ["from", "to"],
        "/conversations": FILTER + ["before", "after"],
        "/compare": COMPARE,
        "/compare/drift": ["status", "before"],
        "/triage": TRIAGE + ["sort", "limit", "cursor"],
        "/clusters": ["sort", "order", "after"],
        f"/clusters/{ids['cluster']}": ["after", "sort"],
        "/intents": ["labels"],
        "/intents/label": ["intent", "after"],
        "/intents/confusion": ["model"],
        "/replays": ["after"],
        f"/replays/{ids['replay']}": ["after", "label", "q"],
        f"/replays/{ids['replay']}/review": ["label"],
        "/jobs": ["status", "after"],
        "/jobs.json": ["status"],
        "/settings/rules/new": ["detector"],
        "/import": ["after"],
    }
    apis = {
        "/api/v1/conversations": FILTER + ["cursor", "limit"],
        "/api/v1/triage/items": TRIAGE + ["sort", "cursor", "limit", "count", "all"],
        "/api/v1/triage/agreement": TRIAGE,
        "/api/v1/triage/progress": TRIAGE,
        "/api/v1/audit": ["action", "actor", "entity", "entity_id", "cursor", "limit"],
        "/api/v1/jobs": ["status", "limit"],
        "/api/v1/clusters": ["min_size"],
        "/api/v1/clusters/map": ["run"],
        "/api/v1/clusters/runs": ["limit"],
        f"/api/v1/clusters/{ids['cluster']}": ["cursor", "limit"],
        "/api/v1/compare": COMPARE,
        "/api/v1/drift/alerts": ["status", "model", "cursor", "limit"],
        "/api/v1/replays": ["cursor", "limit"],
        f"/api/v1/replays/{ids['replay']}/verdicts": ["label", "cursor", "limit"],
        "/api/v1/rules": ["limit"],
        "/api/v1/intents": ["limit"],
        "/api/v1/intents/confusion": ["model"],
        f"/api/v1/conversations/{ids['conversation']}/similar": ["k"],
        "/api/v1/exports/finetune.jsonl": EXPORT,
        "/api/v1/exports/conversations.csv": EXPORT,
        "/api/v1/exports/dpo.jsonl": ["min_margin", "sources", "balance_by", "per_group", "limit"],
    }
    found = [("anon", "/login?next={}"), ("anon", "/login?signed_out={}")]
    for path, names in pages.items():
        found += [("page", f"{path}?{name}={{}}") for name in dict.fromkeys(names)]
    for path, names in apis.items():
        found += [("api", f"{path}?{name}={{}}") for name in dict.fromkeys(names)]
    for path in ["/conversations/{}", "/triage/{}", "/clusters/{}", "/intents/{}", "/replays/{}", "/import/{}",
                 "/settings/rules/{}"]:
        found.append(("page", path))
    for path in ["/api/v1/conversations/{}", "/api/v1/triage/items/{}", "/api/v1/clusters/{}", "/api/v1/intents/{}",
                 "/api/v1/replays/{}", "/api/v1/rules/{}", "/api/v1/conversations/{}/similar"]:
        found.append(("api", path))
    return found


def send_parameters(browser, api, ids):
    """Every payload in every target; returns (payloads, parameters)."""
    found = targets(ids)
    anonymous = Client()
    clients = {"page": browser, "api": api, "anon": anonymous}
    payloads = XSS + SQLI
    started = time.time()
    for number, (kind, template) in enumerate(found):
        if number % 20 == 0:
            print(f"  parameters: {number}/{len(found)} targets, {requests_sent} requests, "
                  f"{time.time() - started:.0f} s", flush=True)
        # Quick: four payloads per target, a different four each time, so that the corpus is still all sent.
        chosen = payloads if not QUICK else [payloads[(number * 4 + i) % len(payloads)] for i in range(4)]
        for payload in chosen:
            path = template.replace("{}", q(payload))
            if "?" not in template and payload in ("", ".", ".."):
                continue
            try:
                status, headers, body, seconds = clients[kind].request("GET", path)
            except (http.client.HTTPException, OSError) as error:  # an answer cut off: a failure after the head
                status, headers, body, seconds = 599, {}, repr(error), 0.0
            check(f"GET {template}", status, headers, body, seconds, payload)
    return len(payloads), len(found)


def ingest(api, conversations):
    lines = "\n".join(json.dumps(c) for c in conversations) + "\n"
    status, _, body, _ = api.request("POST", "/api/v1/conversations/bulk", lines, {"Content-Type": "application/x-ndjson"})
    check("POST /api/v1/conversations/bulk", status, {}, body, 0, "")
    return status, body


def conversation(external_id, payload, index):
    """A conversation with the payload in every field the ingest API stores (and "refund", which a rule flags)."""
    return {
        "id": external_id, "model": payload, "prompt_version": payload, "user_id": f"u{index}",
        "session_id": f"s{index}", "tags": [payload, "payload"],
        "metadata": {payload: payload, "payload": payload, "nested": {"k": payload}},
        "messages": [
            {"role": "system", "content": payload},
            {"role": "user", "content": f"I want a refund for my order. {payload}"},
            {"role": "assistant", "content": [{"type": "text", "text": payload}],
             "tool_calls": [{"id": "c1", "type": "function",
                             "function": {"name": payload[:60], "arguments": json.dumps({"q": payload})}}]},
            {"role": "tool", "tool_call_id": "c1", "content": payload},
            {"role": "user", "content": payload + " refund please"},
        ],
        "feedback": {"thumb": "down", "comment": payload},
    }


def table_counts(project_slug):
    """Rows of every table with a project_id column that belong to the project (a dict), via psql."""
    def psql(sql):
        return subprocess.run(PSQL + ["-At", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()
    project = psql(f"SELECT id FROM projects WHERE slug = '{project_slug}'")
    tables = psql("SELECT table_name FROM information_schema.columns WHERE column_name = 'project_id' "
                  "AND table_schema = 'public' ORDER BY 1").split()
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t} WHERE project_id = {project}" for t in tables)
    counts = dict(line.split("|") for line in psql(sql).splitlines())
    counts["(projects)"] = psql("SELECT count(*) FROM projects")
    # The workers' own bookkeeping may move on its own (scheduled jobs); everything else must stay as it was.
    for table in ("jobs", "pending_work", "sessions"):
        counts.pop(table, None)
    counts["(other project name)"] = psql(f"SELECT coalesce(name, '') FROM projects WHERE id = {project}")
    return counts


def wait_for(what, probe, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(1)
    return None


def store_payloads(browser, api, fields):
    """Stores the XSS payloads in every stored field; `fields[name]` = number accepted. Returns ids of things."""
    ids = {"conversations": [], "triage": [], "rules": [], "intents": [], "replays": [], "clusters": [],
           "imports": [], "users": []}
    # Conversations: every ingest field at once (bulk), and one through the single-conversation endpoint.
    batch = [conversation(payload, payload, i) for i, payload in enumerate(XSS)]
    status, body = ingest(api, batch)
    summary = json.loads(body) if status < 300 else {}
    fields["conversation fields (id, model, prompt_version, tags, metadata keys and values, messages, "
           "tool calls, feedback comment)"] = summary.get("accepted", 0)
    status, _, body, _ = api.json("POST", "/api/v1/conversations", conversation("single-" + XSS[0], XSS[0], 0))
    check("POST /api/v1/conversations", status, {}, body, 0, XSS[0])
    _, _, body, _ = api.request("GET", "/api/v1/conversations?limit=200")
    for item in json.loads(body).get("conversations", []):
        ids["conversations"].append(item.get("parley_id") or item.get("id"))
    accepted = 0
    for payload in XSS:  # feedback again, through its own endpoint (by external id), on a plain conversation
        status, _, body, _ = api.json("POST", "/api/v1/conversations/plain-0/feedback",
                                      {"thumb": "up", "comment": payload})
        check("POST feedback", status, {}, body, 0, payload)
        accepted += status < 300
    fields["feedback comments (POST …/feedback)"] = accepted
    _, _, body, _ = api.request("GET", "/api/v1/conversations/plain-0")
    if json.loads(body).get("parley_id"):
        ids["conversations"].insert(0, json.loads(body)["parley_id"])

    # Rules: name, description, keyword condition (API), and one through the dashboard form.
    accepted = 0
    for payload in XSS:
        status, _, body, _ = api.json("POST", "/api/v1/rules", {
            "name": payload[:100], "description": payload, "severity": "low",
            "condition": {"type": "keywords", "words": [payload[:100]], "role": "user"}})
        check("POST /api/v1/rules", status, {}, body, 0, payload)
        if status < 300:
            accepted += 1
            ids["rules"].append(json.loads(body)["id"])
    fields["rule names, descriptions and keyword conditions"] = accepted

    # Intents: name and description.
    accepted = 0
    for payload in XSS:
        status, _, body, _ = api.json("POST", "/api/v1/intents", {"name": payload[:200], "description": payload})
        check("POST /api/v1/intents", status, {}, body, 0, payload)
        if status < 300:
            accepted += 1
            ids["intents"].append(json.loads(body)["id"])
    fields["intent names and descriptions"] = accepted

    # Triage items come from the "refund" rule's flags (the flag job runs in the server's workers).
    def items():
        _, _, body, _ = api.request("GET", "/api/v1/triage/items?limit=200")
        return [item["id"] for item in json.loads(body).get("items", [])]
    ids["triage"] = wait_for("triage items", items, 120) or []
    accepted = {"comments": 0, "labels": 0, "corrections": 0, "assignments": 0}
    for n, payload in enumerate(XSS):
        if not ids["triage"]:
            break
        item = ids["triage"][n % len(ids["triage"])]
        status, _, body, _ = api.json("POST", f"/api/v1/triage/items/{item}/comments", {"body": payload})
        check("POST triage comment", status, {}, body, 0, payload)
        accepted["comments"] += status < 300
        status, _, body, _ = api.json("POST", f"/api/v1/triage/items/{item}/labels", {"add": [payload[:60]]})
        check("POST triage labels", status, {}, body, 0, payload)
        accepted["labels"] += status < 300
        status, _, body, _ = api.json("PATCH", f"/api/v1/triage/items/{item}", {"corrected_answer": payload})
        check("PATCH triage corrected_answer", status, {}, body, 0, payload)
        accepted["corrections"] += status < 300
        status, _, body, _ = api.json("PATCH", f"/api/v1/triage/items/{item}", {"assignee": payload[:60]})
        check("PATCH triage assignee", status, {}, body, 0, payload)
    fields["triage comments"] = accepted["comments"]
    fields["triage labels"] = accepted["labels"]
    fields["triage corrected answers (notes)"] = accepted["corrections"]

    # Replay sets: names, then results labelled with payloads (variants) on the first set.
    accepted = 0
    for payload in XSS[: 12 if QUICK else len(XSS)]:
        status, _, body, _ = api.json("POST", "/api/v1/replays", {"name": payload[:200], "limit": 3})
        check("POST /api/v1/replays", status, {}, body, 0, payload)
        if status < 300:
            accepted += 1
            ids["replays"].append(json.loads(body)["id"])
    fields["replay set names"] = accepted
    if ids["replays"]:
        replay = ids["replays"][0]
        _, _, body, _ = api.request("GET", f"/api/v1/replays/{replay}/inputs.jsonl")
        keys = [json.loads(line)["id"] for line in body.splitlines() if line.strip()]
        lines = [json.dumps({"id": key, "label": payload[:100], "output": payload})
                 for payload in [p for p in XSS if "\x00" not in p][:8] for key in keys]
        status, _, body, _ = api.request("POST", f"/api/v1/replays/{replay}/results", "\n".join(lines) + "\n",
                                         {"Content-Type": "application/x-ndjson"})
        check("POST replay results", status, {}, body, 0, "")
        fields["replay result labels and outputs"] = len(lines) if status < 300 else 0

    # Dashboard forms: project name, API key names, user display names, import file names.
    token = csrf(browser)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    accepted = {"project": 0, "keys": 0, "users": 0, "imports": 0}
    for n, payload in enumerate(XSS[: 12 if QUICK else len(XSS)]):
        status, _, body, _ = browser.request("POST", "/settings/keys", urllib.parse.urlencode(
            {"_csrf": token, "name": payload[:100], "scope": "read"}), form)
        check("POST /settings/keys", status, {}, body, 0, payload)
        accepted["keys"] += status < 400
        status, _, body, _ = browser.request("POST", "/settings/users", urllib.parse.urlencode(
            {"_csrf": token, "email": f"payload{n}@payloads.test", "display_name": payload[:100],
             "password": "payload-password-1", "role": "viewer"}), form)
        check("POST /settings/users", status, {}, body, 0, payload)
        accepted["users"] += status < 400
        boundary = "----payloads%d" % n
        file_body = json.dumps(conversation(f"import-{n}", payload, n)) + "\n"
        filename = payload.replace('"', "%22").replace("\r", "").replace("\n", "")
        multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n"
                     f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}.jsonl\"\r\n"
                     f"Content-Type: application/x-ndjson\r\n\r\n{file_body}\r\n--{boundary}--\r\n")
        status, _, body, _ = browser.request("POST", "/import", multipart,
                                             {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        check("POST /import", status, {}, body, 0, payload)
        accepted["imports"] += status < 400
    for payload in XSS[:3] + [XSS[0]]:  # the last one stays
        status, _, body, _ = browser.request("POST", "/settings/project", urllib.parse.urlencode(
            {"_csrf": token, "name": payload[:100]}), form)
        check("POST /settings/project", status, {}, body, 0, payload)
        accepted["project"] += status < 400
    fields["API key names"] = accepted["keys"]
    fields["user display names"] = accepted["users"]
    fields["import file names (and their conversations)"] = accepted["imports"]
    fields["project name"] = accepted["project"]

    # Clusters: a run over the stored conversations (embeddings by the workers), then renames.
    status, _, body, _ = api.json("POST", "/api/v1/clusters/runs", {})
    check("POST /api/v1/clusters/runs", status, {}, body, 0, "")

    def clusters():
        _, _, body, _ = api.request("GET", "/api/v1/clusters")
        try:
            return [c["id"] for c in json.loads(body).get("clusters", [])]
        except ValueError:
            return []
    ids["clusters"] = wait_for("clusters", clusters, 40 if QUICK else 120) or []
    accepted = 0
    for n, payload in enumerate(XSS):
        if not ids["clusters"]:
            break
        cluster = ids["clusters"][n % len(ids["clusters"])]
        status, _, body, _ = api.json("PATCH", f"/api/v1/clusters/{cluster}", {"name": payload[:200]})
        check("PATCH /api/v1/clusters/:id", status, {}, body, 0, payload)
        accepted += status < 300
    fields["cluster renames"] = accepted
    _, _, body, _ = browser.request("GET", "/import")
    ids["imports"] = sorted(set(int(m) for m in re.findall(r'href="/import/(\d+)"', body)))
    _, _, body, _ = browser.request("GET", "/settings/users")
    ids["users"] = sorted(set(int(m) for m in re.findall(r'/settings/users/(\d+)/', body)))
    return ids


# Browser: every page that shows stored payloads, in signed-in headless Chromium.

INJECTED_JS = r"""
const bad = [];
const code = /__xss|alert\(/;
for (const el of document.querySelectorAll('*')) {
  if (el.tagName === 'SCRIPT' && code.test(el.textContent)) bad.push('script element');
  for (const a of el.attributes) {
    const n = a.name.toLowerCase();
    const v = a.value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
    if (n.startsWith('on') && code.test(a.value)) bad.push(el.tagName + '[' + n + ']');
    else if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].includes(n)
             && /^(javascript|vbscript|data:text\/html)/.test(v)) bad.push(el.tagName + '[' + n + '=' + v.slice(0, 30) + ']');
    else if (n === 'srcdoc') bad.push(el.tagName + '[srcdoc]');
  }
}
return bad;
"""


def browser_pages(ids, stored):
    """(path, payload texts expected visible) of every page that shows stored payloads."""
    visible = [p for p in XSS if p.isprintable() and p == p.strip() and "  " not in p and "&" not in p]
    pages = [("/", []), ("/conversations", visible), ("/conversations?q=refund", visible),
             ("/conversations?meta=" + q("payload=" + XSS[0]), []), ("/triage", []), ("/clusters", []),
             ("/intents", visible), ("/replays", visible), ("/settings", []), ("/settings/users", visible),
             ("/settings/keys", visible), ("/settings/rules", visible), ("/import", []), ("/jobs", []),
             ("/compare?a.model=" + q(XSS[0]) + "&b.model=" + q(XSS[1]), []), ("/compare/drift", []),
             ("/intents/label", []), ("/intents/confusion", [])]
    limit = 2 if QUICK else 10_000
    # Reflected: payloads in the query strings of pages that echo them into forms.
    for payload in XSS[:3] if QUICK else XSS:
        pages += [("/conversations?q=" + q(payload) + "&meta=" + q("payload=" + payload), []),
                  ("/compare?a.q=" + q(payload) + "&b.model=" + q(payload), []),
                  ("/triage?label=" + q(payload), [])]
    pages += [(f"/conversations/{i}", visible) for i in ids["conversations"][:limit * 2]]
    pages += [(f"/triage/{i}", visible) for i in ids["triage"][:limit]]
    pages += [(f"/clusters/{i}", []) for i in ids["clusters"][:limit]]
    pages += [(f"/intents/{i}", visible) for i in ids["intents"][:limit]]
    pages += [(f"/replays/{i}", visible) for i in ids["replays"][:limit]]
    pages += [(f"/replays/{i}/review", []) for i in ids["replays"][:1]]
    pages += [(f"/settings/rules/{i}", visible) for i in ids["rules"][:limit]]
    pages += [(f"/import/{i}", []) for i in ids["imports"][:limit]]
    return pages


def run_browser(ids, stored):
    """Loads every page; returns (pages, executed, injected, pages without expected text)."""
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException, UnexpectedAlertPresentException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,900", "--lang=en-US", "--disable-extensions"):
        options.add_argument(argument)
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"),
                      port=int(os.environ.get("CHROMEDRIVER_PORT", "0")))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    executed = injected = 0
    missing_text = []
    pages = browser_pages(ids, stored)

    def alert_text():
        try:
            alert = driver.switch_to.alert
            text = alert.text
            alert.dismiss()
            return text
        except NoAlertPresentException:
            return None

    try:
        driver.get(URL + "/login")
        driver.find_element(By.ID, "email").send_keys(ADMIN_EMAIL)
        driver.find_element(By.ID, "password").send_keys(ADMIN_PASSWORD)
        driver.find_element(By.ID, "sign-in").click()
        time.sleep(0.5)
        assert driver.get_cookie("parley_session"), "the browser could not sign in"
        for path, expected in pages:
            try:
                driver.get(URL + path)
                time.sleep(0.05)
                try:  # a payload that needs a pointer (onmouseover over the whole page)
                    ActionChains(driver).move_to_element(driver.find_element(By.TAG_NAME, "body")).perform()
                except Exception:
                    pass
                fired = alert_text()
                flag = driver.execute_script("return window.__xss")
                bad = driver.execute_script(INJECTED_JS)
                text = driver.execute_script("return document.body ? document.body.innerText : ''")
            except UnexpectedAlertPresentException as error:
                fired, flag, bad, text = str(error), None, [], ""
                alert_text()
            if fired is not None or flag is not None:
                executed += 1
                findings.add("script-executed", f"{path}: alert={fired!r} window.__xss={flag!r}")
            if bad:
                injected += 1
                findings.add("markup-injected", f"{path}: {bad[:5]}")
            if MARKER in (text or ""):
                findings.add("other-project", f"{path}: the other project's marker on the page")
            if expected and not any(p in text for p in expected):
                missing_text.append(path)
                findings.add("text-missing", f"{path}: none of the payloads is visible as text")
    finally:
        driver.quit()
    return len(pages), executed, injected, missing_text


def result(name, figure, ok):
    print(f"RESULT {name}\t{figure}\t{'PASS' if ok else 'FAIL'}", flush=True)


def main():
    started = time.time()
    api = Client({"Authorization": "Bearer " + VICTIM_KEY})
    other = Client({"Authorization": "Bearer " + OTHER_KEY})
    browser = sign_in()

    # The other project: conversations carrying the marker everywhere, and a rule that flags them.
    other.json("POST", "/api/v1/rules", {"name": "other refund", "condition": {"type": "keywords", "words": ["refund"]}})
    status, _ = ingest(other, [conversation(f"{MARKER}-{i}", f"{MARKER} {i}", i) for i in range(5)])
    assert status < 300, f"the other project's conversations were refused: {status}"
    # The victim project: a rule that flags every payload conversation ("refund"), then the payloads.
    api.json("POST", "/api/v1/rules", {"name": "refund", "severity": "high",
                                       "condition": {"type": "keywords", "words": ["refund"], "role": "user"}})
    ingest(api, [{"id": f"plain-{i}", "model": f"m{i % 3}", "prompt_version": f"v{i % 2}",
                  "messages": [{"role": "user", "content": f"Where is my refund number {i}? The card was charged."},
                               {"role": "assistant", "content": "Let me check the order for you."}]}
                 for i in range(30)])
    time.sleep(2)
    before = table_counts("other")
    print(f"other project before: {before}", flush=True)

    fields = {}
    ids = store_payloads(browser, api, fields)
    print(f"stored ({time.time() - started:.0f} s):", flush=True)
    for name, count in fields.items():
        print(f"  {count:5d}  {name}", flush=True)
    stored_fields = sum(1 for count in fields.values() if count > 0)
    ids["cluster"] = (ids["clusters"] or [1])[0]
    ids["replay"] = (ids["replays"] or [1])[0]
    ids["conversation"] = (ids["conversations"] or [1])[0]

    t0 = time.time()
    payload_count, parameter_count = send_parameters(browser, api, ids)
    print(f"parameters: {requests_sent} requests in {time.time() - t0:.0f} s", flush=True)

    after = table_counts("other")
    changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
    print(f"other project after: {after}", flush=True)
    if changed:
        findings.add("other-project-changed", str(changed))

    pages, executed, injected, missing = run_browser(ids, fields)

    server_errors = findings.count("5xx")
    leaks = findings.count("leak")
    result("payloads: query parameters and path ids",
           f"{payload_count} payloads{' (4 a parameter, rotating)' if QUICK else ''} × {parameter_count} parameters, {requests_sent:,} requests: "
           f"{server_errors} server errors, {leaks} error leaks, {findings.count('raw-markup')} raw reflections",
           server_errors == 0 and leaks == 0 and findings.count("raw-markup") == 0)
    result("payloads: SQL injection",
           f"{len(SQLI)} SQL payloads: {findings.count('other-project')} leaks of the other project, "
           f"{len(changed)} of its {len(before)} counts changed, {findings.count('delay')} pg_sleep delays",
           findings.count("other-project", "delay") == 0 and not changed and leaks == 0)
    result("payloads: stored XSS in Chromium",
           f"{len(XSS)} payloads stored in {stored_fields} fields, {pages} pages in Chromium: {executed} scripts "
           f"executed, {injected} pages with injected markup, {len(missing)} without the payload text",
           executed == 0 and injected == 0 and not missing and stored_fields >= 10)
    print(f"payloads: {time.time() - started:.0f} s in all; findings: {findings.counts}", flush=True)


if __name__ == "__main__":
    main()
