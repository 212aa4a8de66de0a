#!/usr/bin/env python3
"""HTTP side of scripts/reliability/70-instances.sh: two `parley serve` instances on one database.

  ingest   send conversations in batches, alternating between the servers; write every acknowledged id
  browser  sign in on A through the form (CSRF), load pages and post a form on B with that cookie; the form
           revokes an API key that A has just verified, then A is polled until it refuses the key
  upload   with that session, upload an import file on A, wait until B's page of that import shows it done

Each prints one JSON object on stdout. Standard library only.
"""
import argparse
import json
import random
import re
import sys
import threading
import time
import urllib.parse
import uuid

import parleyhttp

TOPICS = [
    ("refund", "I want a refund for order {n}, the parcel arrived broken"),
    ("card", "My card {n} was declined at the shop, why?"),
    ("password", "How do I reset my password? I tried {n} times"),
    ("delivery", "Where is my delivery {n}? It is late"),
    ("plan", "Please cancel my subscription plan {n}"),
]


def conversation(prefix, n):
    topic, text = TOPICS[n % len(TOPICS)]
    return {
        "id": f"{prefix}-{n}",
        "model": "gpt-4o" if n % 2 else "gpt-4o-mini",
        "messages": [
            {"role": "user", "content": text.format(n=n)},
            {"role": "assistant", "content": f"Sorry about that; here is what to do about your {topic} question."},
        ],
        "metadata": {"topic": topic},
    }


class Client(parleyhttp.Client):
    """One keep-alive connection per server: (status, headers by lower-case name, body text) per request."""

    def request(self, method, path, body=None, headers=None):
        status, response_headers, data, _ = self.send(method, path, body, headers)
        return status, {k.lower(): v for k, v in response_headers.items()}, data.decode("utf-8", "replace")

    def post_form(self, path, fields):
        body = urllib.parse.urlencode(fields)
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})


def sign_in(url, email, password):
    return parleyhttp.sign_in(Client(url), email, password)


def ingest(args):
    servers = args.servers.split(",")
    batches = [list(range(start, min(start + args.batch, args.count))) for start in range(0, args.count, args.batch)]
    lock = threading.Lock()
    acknowledged, per_server, failures = [], [0] * len(servers), []
    next_batch = [0]

    def worker():
        clients = [Client(url) for url in servers]
        while True:
            with lock:
                index = next_batch[0]
                next_batch[0] += 1
            if index >= len(batches):
                return
            server = index % len(servers)
            body = json.dumps({"conversations": [conversation(args.prefix, n) for n in batches[index]]})
            try:
                status, _, text = clients[server].request("POST", "/api/v1/conversations", body, {
                    "Content-Type": "application/json", "Authorization": f"Bearer {args.key}"})
            except Exception as error:  # a refused batch is a failure to report, not a crash
                status, text = 0, str(error)
            if status in (200, 201):
                results = json.loads(text)["results"]
                with lock:
                    acknowledged.extend(f"{args.prefix}-{n}" for n in batches[index])
                    per_server[server] += len(results)
            else:
                with lock:
                    failures.append(f"{servers[server]}: {status} {text[:200]}")

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    with open(args.ids, "w") as out:
        out.write("\n".join(acknowledged) + "\n")
    print(json.dumps({"acknowledged": len(acknowledged), "per_server": per_server, "failures": failures[:5],
                      "failed_batches": len(failures), "seconds": round(seconds, 3),
                      "rate": round(len(acknowledged) / seconds, 1)}))


def browser(args):
    a = sign_in(args.a, args.email, args.password)
    with open(args.session, "w") as out:
        out.write(a.cookies["parley_session"])
    b = Client(args.b)
    b.cookies["parley_session"] = a.cookies["parley_session"]
    pages = {}
    for path in ["/", "/conversations", "/clusters", "/triage", "/settings/keys"]:
        status, headers, body = b.request("GET", path)
        pages[path] = status
        if status != 200 or 'action="/login"' in body:
            raise SystemExit(f"B answered {status} for {path} with A's session ({headers.get('location')})")
    # A verifies the key now (and caches it for up to 10 s); B revokes it through the settings form.
    api = Client(args.a)
    auth = {"Authorization": f"Bearer {args.key}"}
    status, _, _ = api.request("GET", "/api/v1/conversations?limit=1", headers=auth)
    if status != 200:
        raise SystemExit(f"the key does not work on A before revocation: {status}")
    token = b.csrf("/settings/keys")
    status, headers, _ = b.post_form(f"/settings/keys/{args.key_id}/revoke", {"_csrf": token})
    revoked = time.monotonic()
    if status != 303:
        raise SystemExit(f"revoking on B with A's session answered {status}")
    status_b, _, _ = Client(args.b).request("GET", "/api/v1/conversations?limit=1", headers=auth)
    refused_after = None
    accepted = 0
    while time.monotonic() - revoked < args.give_up:
        status, _, _ = api.request("GET", "/api/v1/conversations?limit=1", headers=auth)
        if status == 401 or status == 403:
            refused_after = time.monotonic() - revoked
            break
        accepted += 1
        time.sleep(0.05)
    print(json.dumps({"pages": pages, "revoke_status": 303, "b_after_revoke": status_b,
                      "a_refused_after": None if refused_after is None else round(refused_after, 2),
                      "a_accepted_meanwhile": accepted}))


def upload(args):
    a = Client(args.a)  # the session signed in on A by `browser`
    with open(args.session) as handle:
        a.cookies["parley_session"] = handle.read().strip()
    token = a.csrf("/import")
    with open(args.file, "rb") as handle:
        content = handle.read()
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in [("_csrf", token), ("format", "auto")]:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{args.name}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    started = time.monotonic()
    status, headers, body = a.request("POST", "/import", b"".join(parts),
                                      {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    location = headers.get("location", "")
    if status != 303 or not re.match(r"^/import/\d+$", location):
        raise SystemExit(f"upload on A answered {status} → {location}")
    b = Client(args.b)
    b.cookies["parley_session"] = a.cookies["parley_session"]
    done, page = None, ""
    while time.monotonic() - started < args.give_up:
        status, _, page = b.request("GET", location)
        if status == 200 and ("Nothing lost" in page or "The import failed" in page):
            done = time.monotonic() - started
            break
        time.sleep(0.2)
    counts = re.search(r"(\d[\d,]*) read = (\d[\d,]*) new", page)
    print(json.dumps({"import_id": int(location.rsplit("/", 1)[1]), "seconds": None if done is None else round(done, 2),
                      "failed": "The import failed" in page,
                      "read": counts.group(1) if counts else None, "new": counts.group(2) if counts else None}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest")
    p.add_argument("--servers", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--prefix", default="inst")
    p.add_argument("--ids", required=True)
    p.set_defaults(run=ingest)
    for name, run in [("browser", browser), ("upload", upload)]:
        p = sub.add_parser(name)
        p.add_argument("--a", required=True)
        p.add_argument("--b", required=True)
        p.add_argument("--session", required=True, help="file of the session cookie (written by browser)")
        p.add_argument("--give-up", type=float, default=20)
        if name == "browser":
            p.add_argument("--email", required=True)
            p.add_argument("--password", required=True)
            p.add_argument("--key", required=True)
            p.add_argument("--key-id", required=True)
        else:
            p.add_argument("--file", required=True)
            p.add_argument("--name", required=True)
        p.set_defaults(run=run)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    random.seed(0)
    sys.exit(main())
