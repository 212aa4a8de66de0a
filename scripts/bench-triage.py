#!/usr/bin/env python3
"""Times the triage endpoints of a running Parley: p50/p95 per endpoint. Usage: bench-triage.py URL KEY OTHER_KEY"""
import http.client
import json
import random
import sys
import time
import urllib.parse

base, key, other = sys.argv[1], sys.argv[2], sys.argv[3]
parsed = urllib.parse.urlparse(base)


class Client:
    def __init__(self, key):
        self.key = key
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)

    def call(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.key}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status >= 300 and response.status != 204:
            raise SystemExit(f"{method} {path}: {response.status} {payload[:300]!r}")
        return elapsed, (json.loads(payload) if payload else None)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


rows = []


def report(name, times, note=""):
    rows.append((name, len(times), percentile(times, 50), percentile(times, 95), max(times), note))
    print(f"  {name:<44} n={len(times):<4} p50 {percentile(times, 50):8.1f} ms   p95 {percentile(times, 95):8.1f} ms"
          f"   max {max(times):8.1f} ms  {note}", flush=True)


client = Client(key)
random.seed(8)
for _ in range(5):
    client.call("GET", "/api/v1/triage/items?limit=50")

# List: the default order (priority, oldest), walking 200 keyset pages of 50.
times, cursor = [], None
for _ in range(200):
    path = "/api/v1/triage/items?limit=50" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
    elapsed, page = client.call("GET", path)
    times.append(elapsed)
    cursor = page.get("next_cursor")
report("GET items (priority order, 200 pages of 50)", times)

times = []
for _ in range(200):
    elapsed, _ = client.call("GET", "/api/v1/triage/items?limit=50&sort=newest")
    times.append(elapsed)
report("GET items (newest first, first page)", times)

filters = [
    "status=open&severity=high", "status=open&rule=2", "detector=pii&model=claude", "label=billing&status=open",
    "assignee=api-key:1&status=in_review", "model=gpt-4o&severity=critical,high&sort=newest",
    "from=2020-01-01&to=2999-01-01&status=resolved", "status=dismissed&label=billing&sort=updated",
]
times, by_filter = [], {}
for i in range(200):
    elapsed, _ = client.call("GET", f"/api/v1/triage/items?limit=50&{filters[i % len(filters)]}")
    times.append(elapsed)
    by_filter.setdefault(filters[i % len(filters)], []).append(elapsed)
report("GET items with filters (8 kinds, 50/page)", times)
for name, values in by_filter.items():
    print(f"      {name:<52} p50 {percentile(values, 50):7.1f} ms  p95 {percentile(values, 95):7.1f} ms")

times = []
for i in range(40):
    elapsed, _ = client.call("GET", f"/api/v1/triage/items?limit=1&count=true&{filters[i % len(filters)]}")
    times.append(elapsed)
report("GET items count=true (total of a filter)", times)

times = []
clients = [Client(key), Client(other)]
for i in range(200):
    elapsed, item = clients[i % 2].call("POST", "/api/v1/triage/next", {})
    times.append(elapsed)
report("POST next (claim highest-priority oldest)", times)

times = []
for i in range(200):
    elapsed, _ = client.call("POST", "/api/v1/triage/next", {"filter": {"severity": "low", "model": "claude"}})
    times.append(elapsed)
report("POST next with a filter", times)

# Bulk on the items created on one day (~1,000), alternating add/remove so every call changes them.
times = []
for i in range(20):
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - (10 + i // 2) * 86400))
    action = {"add_labels": ["bench"]} if i % 2 == 0 else {"remove_labels": ["bench"]}
    elapsed, result = client.call("POST", "/api/v1/triage/bulk", {"filter": {"from": day, "to": day}, "action": action})
    times.append(elapsed)
report("POST bulk labels, one day (~1k items)", times, f"updated {result['updated']} per call")

times = []
for i in range(6):
    action = {"add_labels": ["bench-big"]} if i % 2 == 0 else {"remove_labels": ["bench-big"]}
    elapsed, result = client.call("POST", "/api/v1/triage/bulk", {"filter": {"rule": 2}, "action": action})
    times.append(elapsed)
report("POST bulk labels, one rule (~25k items)", times, f"updated {result['updated']} per call")

times = []
for i in range(6):
    status = "dismissed" if i % 2 == 0 else "open"
    elapsed, result = client.call("POST", "/api/v1/triage/bulk",
                                  {"filter": {"severity": "low", "status": ["open", "dismissed"], "model": "claude"},
                                   "action": {"status": status}})
    times.append(elapsed)
report("POST bulk status, low+claude (~6k items)", times, f"updated {result['updated']} per call")

times = []
for i in range(6):
    elapsed, result = client.call("POST", "/api/v1/triage/bulk", {"filter": {"rule": 2}, "action": {"add_labels": ["bench-big"]}})
    times.append(elapsed)
report("POST bulk repeated (idempotent, nothing to change)", times, f"updated {result['updated']}")
