#!/usr/bin/env python3
"""Clients for the fault checks of `make reliability` (stdlib only).

  bulk   NDJSON bulk ingest in batches by several senders; records which batches the server acknowledged
         (scripts/reliability/30-kill.sh). With --kill-pid, sends SIGKILL to the server once --kill-after batches
         were acknowledged, while other batches are still in flight. With --resend, sends every batch the state
         file does not mark acknowledged (same external ids) and requires each to be acknowledged now.
  load   ingest (POST /api/v1/conversations) and reads (GET /api/v1/conversations) at a steady rate for a while,
         one JSON line per request (scripts/reliability/40-postgres.sh).
  report figures of a `load` run: statuses, 503s without Retry-After or problem+json, slowest request, seconds
         from each "up" mark to the first successful ingest and read after it.
"""
import argparse
import http.client
import json
import os
import signal
import sys
import threading
import time


def conversation(external_id):
    return {
        "id": external_id,
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": f"Question for {external_id}: my card was declined at a shop, why?"},
            {"role": "assistant", "content": "Cards are declined for several reasons: limits, fraud checks, ..."},
        ],
        "metadata": {"region": "eu"},
        "tags": ["reliability"],
    }


def request(port, method, path, key, body=None, content_type=None, timeout=60.0):
    """One request on a new connection; returns (status, headers dict, body bytes) or raises OSError."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Authorization": f"Bearer {key}"}
        if content_type:
            headers["Content-Type"] = content_type
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        connection.close()


def bulk(args):
    batches = [[f"{args.prefix}-{i}" for i in range(start, min(start + args.batch, args.total))]
               for start in range(0, args.total, args.batch)]
    state = {"acknowledged": [], "summaries": {}}
    if args.resend:
        with open(args.state) as f:
            state = json.load(f)
    todo = [i for i in range(len(batches)) if str(i) not in state["summaries"]]
    lock = threading.Lock()
    killed = threading.Event()
    failures = []

    def sender():
        while True:
            with lock:
                if not todo or (killed.is_set() and not args.resend):
                    return
                index = todo.pop(0)
            body = "\n".join(json.dumps(conversation(i)) for i in batches[index]).encode()
            try:
                status, _, data = request(args.port, "POST", "/api/v1/conversations/bulk", args.key, body,
                                          "application/x-ndjson", timeout=120)
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    failures.append(f"batch {index}: {error!r}")
                continue
            summary = json.loads(data) if status == 200 else None
            complete = (summary is not None and summary.get("rejected", 1) == 0 and summary.get("conflict", 1) == 0
                        and summary.get("created", 0) + summary.get("duplicate", 0) + summary.get("updated", 0)
                        == len(batches[index]))
            with lock:
                if not complete:
                    failures.append(f"batch {index}: status {status} {data[:200]!r}")
                    continue
                state["summaries"][str(index)] = summary
                state["acknowledged"].extend(batches[index])
                if args.kill_pid and not killed.is_set() and len(state["summaries"]) >= args.kill_after:
                    # Other senders are mid-request now: their batches are in flight, unacknowledged.
                    os.kill(args.kill_pid, signal.SIGKILL)
                    killed.set()

    threads = [threading.Thread(target=sender) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open(args.state, "w") as f:
        json.dump(state, f)
    summaries = state["summaries"].values()
    print(json.dumps({
        "batches": len(batches),
        "acknowledged_batches": len(state["summaries"]),
        "acknowledged": len(state["acknowledged"]),
        "created": sum(s["created"] for s in summaries),
        "duplicate": sum(s["duplicate"] for s in summaries),
        "updated": sum(s["updated"] for s in summaries),
        "killed": killed.is_set(),
        "failures": failures[:20],
        "failure_count": len(failures),
    }))


def load(args):
    stop_at = time.time() + args.seconds
    out = open(args.events, "w")
    lock = threading.Lock()
    counter = [0]

    def log(event):
        with lock:
            out.write(json.dumps(event) + "\n")
            out.flush()

    def client(slot):
        interval = args.threads / args.rate
        next_at = time.time() + slot * interval / args.threads
        while time.time() < stop_at:
            time.sleep(max(0.0, next_at - time.time()))
            next_at += interval
            with lock:
                counter[0] += 1
                n = counter[0]
            kind = "ingest" if n % 2 else "read"
            external_id = f"{args.prefix}-{n}"
            started = time.time()
            event = {"t": started, "kind": kind, "id": external_id}
            try:
                if kind == "ingest":
                    status, headers, data = request(args.port, "POST", "/api/v1/conversations", args.key,
                                                    json.dumps(conversation(external_id)).encode(),
                                                    "application/json", timeout=args.timeout)
                else:
                    status, headers, data = request(args.port, "GET", "/api/v1/conversations?limit=5", args.key,
                                                    timeout=args.timeout)
                event.update(status=status, retry_after=headers.get("retry-after"),
                             content_type=headers.get("content-type", ""))
                if status >= 500:
                    event["body"] = data[:300].decode(errors="replace")
            except OSError as error:
                # A timeout here is a hang: the service neither answered nor refused within --timeout seconds.
                event.update(status=0, error=repr(error))
            event["seconds"] = round(time.time() - started, 3)
            log(event)

    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.close()


def report(args):
    events = [json.loads(line) for line in open(args.events)]
    marks = [json.loads(line) for line in open(args.marks)] if os.path.exists(args.marks) else []
    statuses = {}
    for e in events:
        key = f"{e['kind']} {e['status']}"
        statuses[key] = statuses.get(key, 0) + 1
    unavailable = [e for e in events if e["status"] == 503]
    bad_503 = [e for e in unavailable
               if not e.get("retry_after") or not e.get("content_type", "").startswith("application/problem+json")]
    other = [e for e in events if e["status"] not in (200, 201, 503)]
    recoveries = []
    for mark in marks:
        if mark.get("event") != "up":
            continue
        after = {}
        for kind in ("ingest", "read"):
            first = min((e["t"] + e["seconds"] for e in events
                         if e["kind"] == kind and e["status"] in (200, 201) and e["t"] >= mark["t"]), default=None)
            after[kind] = None if first is None else round(first - mark["t"], 2)
        recoveries.append(after)
    acknowledged = [e["id"] for e in events if e["kind"] == "ingest" and e["status"] in (200, 201)]
    with open(args.acknowledged, "w") as f:
        f.write("\n".join(acknowledged) + ("\n" if acknowledged else ""))
    print(json.dumps({
        "requests": len(events),
        "statuses": statuses,
        "unavailable": len(unavailable),
        "unavailable_without_retry_after_or_problem": len(bad_503),
        "other": len(other),
        "other_examples": [{k: e.get(k) for k in ("kind", "status", "error", "body", "seconds")} for e in other[:5]],
        "slowest_seconds": max((e["seconds"] for e in events), default=0),
        "recoveries": recoveries,
        "recoveries_text": "; ".join(f"ingest {r['ingest']} s, read {r['read']} s" for r in recoveries) or "none",
        "statuses_text": ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())),
        "acknowledged_ingests": len(acknowledged),
    }))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bulk")
    b.add_argument("--port", type=int, required=True)
    b.add_argument("--key", required=True)
    b.add_argument("--total", type=int, required=True)
    b.add_argument("--batch", type=int, default=1000)
    b.add_argument("--concurrency", type=int, default=3)
    b.add_argument("--prefix", default="kill")
    b.add_argument("--state", required=True)
    b.add_argument("--kill-pid", type=int)
    b.add_argument("--kill-after", type=int, default=3)
    b.add_argument("--resend", action="store_true")
    l = sub.add_parser("load")
    l.add_argument("--port", type=int, required=True)
    l.add_argument("--key", required=True)
    l.add_argument("--seconds", type=float, required=True)
    l.add_argument("--rate", type=float, default=40.0, help="requests per second, ingest and reads alternating")
    l.add_argument("--threads", type=int, default=8)
    l.add_argument("--timeout", type=float, default=10.0)
    l.add_argument("--prefix", default="pg")
    l.add_argument("--events", required=True)
    r = sub.add_parser("report")
    r.add_argument("--events", required=True)
    r.add_argument("--marks", required=True)
    r.add_argument("--acknowledged", required=True)
    args = parser.parse_args()
    {"bulk": bulk, "load": load, "report": report}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
