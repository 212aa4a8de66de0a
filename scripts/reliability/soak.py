#!/usr/bin/env python3
"""Soak test of one `parley serve` (scripts/reliability/80-soak.sh): SOAK_MINUTES of mixed traffic at a steady
rate, sampled every SOAK_SAMPLE_SECONDS, judged from the trend of the second half of the run.

Traffic (by weight): single and bulk ingest, API lists and reads, signed-in dashboard pages, triage actions through
the API (comments, labels, status moves). Each sample: the server's resident memory (/proc/PID/status, read every
2 s: the window's floor, what the server keeps, and its peak, the working memory of a clustering run while it runs;
anonymous memory is judged, the total shown, see `memory_mb`), requests, p50/p95 latency per kind and overall, errors
(5xx and failed connections), PostgreSQL connections (pg_stat_activity).

Verdict: FAIL on any error; on anonymous RSS (the floor, net of the similarity index the server keeps of every
embedded conversation by design, `held_mb`) whose second-half trend line would add more than SOAK_RSS_GROWTH (10 %)
over a run of this length; on a p95 whose second-half trend would double it within the run time.
Prints the samples table and `RESULT <name>\t<figure>\t<PASS|FAIL>`.

Environment: PARLEY_URL, API_KEY, ADMIN_EMAIL, ADMIN_PASSWORD, SERVER_PID, PSQL, SOAK_MINUTES, SOAK_SAMPLE_SECONDS,
SOAK_RATE (requests a second, all kinds), SOAK_THREADS.
"""

import json
import os
import random
import subprocess
import threading
import time

import parleyhttp

URL = os.environ.get("PARLEY_URL", "http://127.0.0.1:8080").rstrip("/")
API_KEY = os.environ["API_KEY"]
ADMIN_EMAIL = os.environ["ADMIN_EMAIL"]
ADMIN_PASSWORD = os.environ["ADMIN_PASSWORD"]
SERVER_PID = int(os.environ["SERVER_PID"])
PSQL = os.environ["PSQL"].split()
MINUTES = float(os.environ.get("SOAK_MINUTES", "30"))
SAMPLE_SECONDS = float(os.environ.get("SOAK_SAMPLE_SECONDS", "60"))
RATE = float(os.environ.get("SOAK_RATE", "30"))
THREADS = int(os.environ.get("SOAK_THREADS", "4"))
RSS_GROWTH = float(os.environ.get("SOAK_RSS_GROWTH", "0.10"))

WORDS = ("refund card charged twice order shipping delayed password reset account locked invoice subscription "
         "cancel upgrade plan travel booking hotel flight transfer limit fee exchange rate loan statement").split()


class Client(parleyhttp.Client):
    """One keep-alive connection per thread: (status, body bytes) per request."""

    def __init__(self, headers=None):
        super().__init__(URL, headers)

    def request(self, method, path, body=None, headers=None):
        status, _, data, _ = self.send(method, path, body, headers)
        return status, data


def sign_in():
    return parleyhttp.sign_in(Client(), ADMIN_EMAIL, ADMIN_PASSWORD)


def conversation(external_id, rng):
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30)))
    return {"id": external_id, "model": rng.choice(["gpt-4o", "gpt-4o-mini", "claude"]),
            "prompt_version": rng.choice(["v1", "v2", "v3"]), "user_id": f"user-{rng.randint(1, 500)}",
            "metadata": {"tier": rng.choice(["gold", "free"]), "region": rng.choice(["eu", "us"])},
            "messages": [{"role": "user", "content": f"Hello, {words}?"},
                         {"role": "assistant", "content": f"I can help with the {rng.choice(WORDS)}."},
                         {"role": "user", "content": rng.choice(["thanks", "that is wrong, I want a refund", "ok"])}],
            **({"feedback": {"thumb": rng.choice(["up", "down"])}} if rng.random() < 0.3 else {})}


class Stats:
    """Latencies and errors of the current sample window, by kind (guarded by a lock)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self.total_requests = 0
        self.total_errors = 0
        self.error_examples = []

    def reset(self):
        self.latencies = {}
        self.errors = 0

    def add(self, kind, seconds, status, detail=""):
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            self.total_requests += 1
            if status is None or status >= 500:
                self.errors += 1
                self.total_errors += 1
                if len(self.error_examples) < 10:
                    self.error_examples.append(f"{kind}: {status} {detail}")

    def take(self):
        with self.lock:
            window, errors = self.latencies, self.errors
            self.reset()
        return window, errors


def percentile(values, fraction):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Worker(threading.Thread):
    """Sends requests at RATE / THREADS a second (paced: no catch-up bursts when the server is slow)."""

    def __init__(self, number, stats, stop, shared):
        super().__init__(daemon=True)
        self.number, self.stats, self.stop, self.shared = number, stats, stop, shared
        self.rng = random.Random(number)
        self.api = Client({"Authorization": "Bearer " + API_KEY})
        self.page = sign_in()
        self.sent = 0

    def kinds(self):
        return [("ingest", 20, self.ingest), ("ingest-bulk", 4, self.bulk), ("api-list", 14, self.api_list),
                ("api-read", 6, self.api_read), ("api-triage-list", 8, self.triage_list),
                ("page", 36, self.dashboard), ("triage-action", 12, self.triage_action)]

    def run(self):
        kinds = self.kinds()
        weights = [w for _, w, _ in kinds]
        interval = THREADS / RATE
        next_at = time.monotonic() + self.rng.random() * interval
        while not self.stop.is_set():
            now = time.monotonic()
            if now < next_at:
                time.sleep(next_at - now)
            next_at = max(next_at + interval, time.monotonic() - interval)
            kind, _, action = self.rng.choices(kinds, weights)[0]
            started = time.monotonic()
            try:
                status, detail = action()
            except Exception as error:  # a refused or reset connection counts as an error
                status, detail = None, repr(error)
            self.stats.add(kind, time.monotonic() - started, status, detail)
            self.sent += 1

    def ingest(self):
        body = json.dumps(conversation(f"soak-{self.number}-{self.sent}", self.rng))
        status, data = self.api.request("POST", "/api/v1/conversations", body, {"Content-Type": "application/json"})
        if status < 300:
            parley_id = json.loads(data).get("parley_id")
            if parley_id:
                self.shared["ids"].append(parley_id)
                del self.shared["ids"][:-500]
        return status, data[:200]

    def bulk(self):
        lines = "\n".join(json.dumps(conversation(f"soak-bulk-{self.number}-{self.sent}-{i}", self.rng))
                          for i in range(10))
        status, data = self.api.request("POST", "/api/v1/conversations/bulk", lines + "\n",
                                        {"Content-Type": "application/x-ndjson"})
        return status, data[:200]

    def api_list(self):
        filters = ["", "&model=gpt-4o", "&q=refund", "&meta=tier%3Dgold", "&feedback=down", "&prompt=v2"]
        status, data = self.api.request("GET", "/api/v1/conversations?limit=20" + self.rng.choice(filters))
        return status, data[:200]

    def api_read(self):
        ids = self.shared["ids"]
        if not ids:
            return self.api_list()
        status, data = self.api.request("GET", f"/api/v1/conversations/{self.rng.choice(ids[-200:])}")
        return status, data[:200]

    def triage_list(self):
        status, data = self.api.request("GET", "/api/v1/triage/items?limit=50&status=open,in_review")
        if status < 300:
            items = [item["id"] for item in json.loads(data).get("items", [])]
            if items:
                self.shared["items"] = items
        return status, data[:200]

    def dashboard(self):
        ids = self.shared["ids"]
        pages = ["/", "/conversations", "/conversations?q=refund", "/triage", "/clusters", "/intents",
                 "/compare?a.model=gpt-4o&b.model=claude", "/jobs"]
        if ids:
            pages.append(f"/conversations/{self.rng.choice(ids[-200:])}")
        if self.shared["items"]:
            pages.append(f"/triage/{self.rng.choice(self.shared['items'])}")
        path = self.rng.choice(pages)
        status, data = self.page.request("GET", path)
        return status, path

    def triage_action(self):
        items = self.shared["items"]
        if not items:
            return self.triage_list()
        item = self.rng.choice(items)
        choice = self.rng.random()
        if choice < 0.4:
            status, data = self.api.request("POST", f"/api/v1/triage/items/{item}/comments",
                                            json.dumps({"body": f"soak note {self.sent}"}),
                                            {"Content-Type": "application/json"})
        elif choice < 0.7:
            status, data = self.api.request("POST", f"/api/v1/triage/items/{item}/labels",
                                            json.dumps({"add": [self.rng.choice(["billing", "bug", "soak"])]}),
                                            {"Content-Type": "application/json"})
        else:
            status, data = self.api.request("PATCH", f"/api/v1/triage/items/{item}",
                                            json.dumps({"status": self.rng.choice(["in_review", "open", "resolved"])}),
                                            {"Content-Type": "application/json"})
        return status, data[:200]


def memory_mb():
    """The server's resident memory in MB as (anonymous, total); None once it has exited.

    Anonymous memory (RssAnon: the allocator's arenas, large blocks, thread stacks, the embedding model's weights)
    is what the process allocates, and what a leak grows. The total (VmRSS) adds the pages of the executable and
    shared libraries read in from disk as code paths are first used (5.5 MB of ICU the first time something needs
    it): bounded by those files, shared and reclaimable, so shown but not judged."""
    try:
        with open(f"/proc/{SERVER_PID}/status") as file:
            fields = dict(line.split(":", 1) for line in file if ":" in line)
        return int(fields["RssAnon"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024
    except (FileNotFoundError, KeyError, ValueError):
        return None


def pg_connections():
    try:
        out = subprocess.run(PSQL + ["-At", "-c", "SELECT count(*) FROM pg_stat_activity WHERE datname = 'parley'"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        return int(out)
    except (ValueError, subprocess.SubprocessError):
        return -1


def held_mb():
    """What the server holds in memory by design for the data stored so far: the similarity index of the embedded
    conversations (SimilarityIndexCache: the vectors, their ids and, from 20,000 rows, the 4-bit prefilter codes
    with 12 bytes of error terms per row). Anonymous RSS minus this is what must stay flat."""
    try:
        out = subprocess.run(PSQL + ["-At", "-F", " ", "-c",
                                     "SELECT count(*), coalesce(max(length(vector)), 0) FROM conversation_embeddings"],
                             capture_output=True, text=True, timeout=10).stdout.split()
        rows, vector_bytes = int(out[0]), int(out[1])
    except (ValueError, IndexError, subprocess.SubprocessError):
        return 0.0
    per_row = vector_bytes + 8 + (vector_bytes // 8 + 12 if rows >= 20_000 else 0)
    return rows * per_row / (1024 * 1024)


def fit(xs, ys):
    """Least-squares line: (slope, intercept)."""
    n = len(xs)
    if n < 2:
        return 0.0, (ys[0] if ys else 0.0)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0, my
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return slope, my - slope * mx


def main():
    stats = Stats()
    stop = threading.Event()
    shared = {"ids": [], "items": []}
    # A rule so that conversations asking for a refund become triage items (the workers' flag jobs).
    setup = Client({"Authorization": "Bearer " + API_KEY})
    setup.request("POST", "/api/v1/rules", json.dumps({"name": "refund", "severity": "high", "condition": {
        "type": "keywords", "words": ["refund"], "role": "user"}}), {"Content-Type": "application/json"})
    workers = [Worker(n, stats, stop, shared) for n in range(THREADS)]
    duration = MINUTES * 60
    print(f"soak: {MINUTES:g} min at {RATE:g} requests/s over {THREADS} connections (and one signed-in session "
          f"each), a sample every {SAMPLE_SECONDS:g} s; server pid {SERVER_PID}", flush=True)
    kinds = [kind for kind, _, _ in workers[0].kinds()]
    header = f"{'t (s)':>6} {'VmRSS':>6} {'anon':>6} {'peak':>6} {'held':>6} {'net MB':>7} {'req':>6} {'err':>4} {'pg':>3} {'p50 ms':>7} {'p95 ms':>7}  " + \
        "  ".join(f"{k} p50/p95" for k in kinds)
    print(header, flush=True)
    samples = []
    started = time.monotonic()
    stats.take()
    for worker in workers:
        worker.start()
    next_sample = started + SAMPLE_SECONDS
    while True:
        # RSS is read every 2 s: the sample keeps the window's lowest reading (the floor: what the server keeps)
        # and its highest (the peak: a clustering run's working memory, tens of MB for the seconds it runs).
        readings = [memory_mb()]
        while (left := next_sample - time.monotonic()) > 0 and readings[-1] is not None:
            time.sleep(min(2.0, left))
            readings.append(memory_mb())
        window, errors = stats.take()
        if None in readings:
            stop.set()
            elapsed = time.monotonic() - started
            print(f"RESULT soak\tsoak {MINUTES:g} min: the server died after {elapsed / 60:.1f} min "
                  f"({stats.total_requests:,} requests, {stats.total_errors} errors; see its log)\tFAIL", flush=True)
            return
        (floor, floor_total), peak = min(readings), max(anon for anon, _ in readings)
        all_latencies = [s for values in window.values() for s in values]
        held = held_mb()
        sample = {"t": time.monotonic() - started, "net": floor - held, "anon": floor, "total": floor_total,
                  "peak": peak, "held": held,
                  "requests": len(all_latencies),
                  "errors": errors, "pg": pg_connections(),
                  "p50": percentile(all_latencies, 0.5) * 1000, "p95": percentile(all_latencies, 0.95) * 1000,
                  "kinds": {k: (percentile(v, 0.5) * 1000, percentile(v, 0.95) * 1000, len(v)) for k, v in window.items()}}
        samples.append(sample)
        per_kind = "  ".join(
            f"{sample['kinds'][k][0]:6.1f}/{sample['kinds'][k][1]:6.1f}".rjust(len(k) + 8) if k in sample["kinds"]
            else "-".rjust(len(k) + 8) for k in kinds)
        print(f"{sample['t']:6.0f} {sample['total']:6.1f} {sample['anon']:6.1f} {sample['peak']:6.0f} "
              f"{sample['held']:6.1f} {sample['net']:7.1f} {sample['requests']:6d} {errors:4d} {sample['pg']:3d} "
              f"{sample['p50']:7.1f} {sample['p95']:7.1f}  {per_kind}", flush=True)
        next_sample += SAMPLE_SECONDS
        if next_sample > started + duration + 0.5:
            break
    stop.set()
    for worker in workers:
        worker.join(timeout=70)

    # The trend of the second half (after warm-up).
    half = samples[len(samples) // 2:]
    xs = [s["t"] for s in half]
    rss_slope, rss_intercept = fit(xs, [s["net"] for s in half])
    p95_slope, p95_intercept = fit(xs, [s["p95"] for s in half])
    rss_start = rss_intercept + rss_slope * xs[0]
    p95_start = max(p95_intercept + p95_slope * xs[0], 0.1)
    rss_projected = rss_slope * duration / rss_start  # growth over a run this long at the late trend
    p95_projected = p95_slope * duration / p95_start
    warm = samples[min(1, len(samples) - 1)]
    last = samples[-1]
    requests = stats.total_requests
    errors = stats.total_errors
    rss_change = (last["net"] - warm["net"]) / warm["net"] * 100
    print(f"second half: anonymous RSS net of the similarity index {rss_slope * 60:+.2f} MB/min (a run this long: {rss_projected * 100:+.1f} %), "
          f"p95 {p95_slope * 60:+.2f} ms/min (a run this long: {p95_projected * 100:+.1f} %); "
          f"pg connections {min(s['pg'] for s in samples)}–{max(s['pg'] for s in samples)}", flush=True)
    for example in stats.error_examples:
        print(f"  error: {example}", flush=True)
    # A trend counts only when the measurements agree with it: the late line and the actual change since warm-up
    # (RSS), the late line and the medians of the first and last thirds (p95: one slow sample is not a trend).
    third = max(1, len(samples) // 3)
    p95_early = percentile([s["p95"] for s in samples[:third]], 0.5)
    p95_late = percentile([s["p95"] for s in samples[-third:]], 0.5)
    reasons = []
    if errors:
        reasons.append(f"{errors} errors")
    if rss_projected > RSS_GROWTH and rss_change / 100 > RSS_GROWTH / 2:
        reasons.append(f"RSS still growing ({rss_projected * 100:+.0f} % a run)")
    if p95_projected > 1.0 and p95_late > 1.5 * p95_early:
        reasons.append(f"p95 doubling within the run ({p95_projected * 100:+.0f} %; "
                       f"{p95_early:.0f} → {p95_late:.0f} ms by thirds)")
    figure = (f"soak {MINUTES:g} min: {requests:,} requests ({requests / duration:.1f}/s of {RATE:g} asked), "
              f"RSS {warm['total']:.0f}→{last['total']:.0f} MB, anonymous {warm['anon']:.0f}→{last['anon']:.0f} MB "
              f"(peak {max(s['peak'] for s in samples):.0f}) of which the similarity index "
              f"{warm['held']:.0f}→{last['held']:.0f} MB, net {warm['net']:.0f}→{last['net']:.0f} MB "
              f"({rss_change:+.0f} %; late trend {rss_projected * 100:+.0f} % a run), p95 {samples[0]['p95']:.0f}→"
              f"{last['p95']:.0f} ms (late trend {p95_projected * 100:+.0f} % a run), pg connections "
              f"{max(s['pg'] for s in samples)} at most, {errors} errors")
    if reasons:
        figure += " — " + ", ".join(reasons)
    print(f"RESULT soak\t{figure}\t{'FAIL' if reasons else 'PASS'}", flush=True)


if __name__ == "__main__":
    main()
