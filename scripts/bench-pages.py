#!/usr/bin/env python3
"""Times the dashboard's main pages and the API's list endpoints: 200 requests each (after 5 warm-up requests)
through one keep-alive connection, signed in as an admin (pages) or with an API key (API).

Prints, per path: HTTP status, p50/p95/max of the server time (`Server-Timing: app;dur=`) and p50/p95 of the wall
time seen by the client, and whether p95 server time meets the 100 ms target. Never fails on a number.
Usage: bench-pages.py BASE_URL EMAIL PASSWORD API_KEY [REQUESTS]
"""
import http.client
import json
import re
import statistics
import sys
import time
import urllib.parse

base, email, password, key = sys.argv[1:5]
requests = int(sys.argv[5]) if len(sys.argv) > 5 else 200
url = urllib.parse.urlparse(base)
connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
cookies = {}


def send(method, path, body=None, headers=None):
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join("%s=%s" % pair for pair in cookies.items())
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            pair = value.split(";")[0]
            cookie, _, content = pair.partition("=")
            cookies[cookie.strip()] = content
    return response, data


def sign_in():
    _, page = send("GET", "/login")
    token = re.search(rb'name="_csrf" value="([^"]+)"', page).group(1).decode()
    form = urllib.parse.urlencode({"email": email, "password": password, "_csrf": token, "next": "/"})
    response, _ = send("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
    if response.status != 303 or "parley_session" not in cookies:
        sys.exit("could not sign in: %d" % response.status)


def api(path):
    _, data = send("GET", path, headers={"Authorization": "Bearer " + key})
    try:
        return json.loads(data)
    except ValueError:
        return {}


def first_id(document, *keys):
    """The first `id` found in the first list under any of `keys` (depth-first through children)."""
    for name in keys:
        items = document.get(name) if isinstance(document, dict) else None
        if isinstance(items, list) and items:
            item = items[0]
            return item.get("parley_id") or item.get("id")
    return None


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure(label, path, headers=None):
    server, wall, status = [], [], None
    for index in range(requests + 5):
        started = time.perf_counter()
        response, _ = send("GET", path, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        status = response.status
        timing = response.getheader("Server-Timing") or ""
        match = re.search(r"dur=([0-9.]+)", timing)
        if index >= 5:
            wall.append(elapsed)
            if match:
                server.append(float(match.group(1)))
        if status >= 400:
            break
    if status >= 400 or not server:
        print("%-44s %s  (HTTP %s: not measured)" % (label, "-" * 38, status))
        return None
    p95 = percentile(server, 0.95)
    print("%-44s %7.1f %7.1f %7.1f   %7.1f %7.1f   %s" % (
        label, statistics.median(server), p95, max(server), statistics.median(wall), percentile(wall, 0.95),
        "ok" if p95 <= 100 else "OVER 100 ms"))
    return p95


sign_in()
clusters = api("/api/v1/clusters")
cluster = None
for node in clusters.get("clusters", []):
    cluster = (node.get("children") or [node])[0].get("id")
    break
conversation = first_id(api("/api/v1/conversations?limit=1"), "conversations", "items") or 500000
intent = first_id(api("/api/v1/intents"), "intents")
item = first_id(api("/api/v1/triage/items?limit=1"), "items")

pages = [
    ("Overview", "/"),
    ("Conversations", "/conversations"),
    ("Conversations: search 'cancel'", "/conversations?q=cancel"),
    ("Conversations: model", "/conversations?model=gpt-4o"),
    ("Conversations: metadata tier=pro", "/conversations?meta=tier%3Dpro"),
    ("Conversations: thumbs down", "/conversations?feedback=down"),
    ("Conversation", "/conversations/%s" % conversation),
    ("Clusters", "/clusters"),
    ("Intents", "/intents"),
    ("Intents: labelling", "/intents/label"),
    ("Triage", "/triage"),
    ("Triage: open, high", "/triage?status=open"),
    ("Jobs", "/jobs"),
    ("Compare", "/compare?a.model=gpt-4o&b.model=claude-sonnet"),
    ("Replays", "/replays"),
    ("Import", "/import"),
    ("Settings", "/settings"),
]
if cluster:
    pages.insert(8, ("Cluster", "/clusters/%s" % cluster))
    pages.insert(3, ("Conversations: cluster", "/conversations?cluster=%s" % cluster))
if intent:
    pages.insert(-8, ("Intent", "/intents/%s" % intent))
    pages.insert(3, ("Conversations: intent", "/conversations?intent=%s" % intent))
if item:
    pages.insert(-6, ("Triage item", "/triage/%s" % item))
apis = [
    ("API conversations", "/api/v1/conversations?limit=50"),
    ("API conversations: model", "/api/v1/conversations?limit=50&model=gpt-4o"),
    ("API clusters", "/api/v1/clusters"),
    ("API intents", "/api/v1/intents"),
    ("API triage items", "/api/v1/triage/items?limit=50"),
    ("API jobs", "/api/v1/jobs"),
    ("API rules", "/api/v1/rules"),
    ("API replays", "/api/v1/replays"),
    ("API drift alerts", "/api/v1/drift/alerts"),
]
if cluster:
    apis.insert(3, ("API cluster", "/api/v1/clusters/%s" % cluster))

print("%-44s %7s %7s %7s   %7s %7s" % ("ms (server p50, p95, max; wall p50, p95)", "p50", "p95", "max", "wall50", "wall95"))
over = []
for label, path in pages:
    p95 = measure(label, path)
    if p95 is not None and p95 > 100:
        over.append(label)
for label, path in apis:
    p95 = measure(label, path, {"Authorization": "Bearer " + key})
    if p95 is not None and p95 > 100:
        over.append(label)
print("target p95 <= 100 ms: %s" % ("met by every measured path" if not over else "missed by " + ", ".join(over)))
