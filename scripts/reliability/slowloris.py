#!/usr/bin/env python3
"""Slowloris clients for scripts/reliability/20-slowloris.sh (stdlib only).

Holds COUNT connections to HOST:PORT, each sending a partial request head and then one byte every INTERVAL
seconds, never finishing the head. When the server closes one (as it should, at its request-head deadline), the
close is counted and the client reconnects at once, so the attack keeps COUNT connections pending all the time.

Runs until SIGTERM/SIGINT or --duration, then prints one JSON object: how many connections were open (sampled
every second after the ramp-up), how many the server closed, what it answered before closing, and how many
connection attempts failed.
"""
import argparse
import asyncio
import json
import signal
import time


class Stats:
    def __init__(self):
        self.open = 0
        self.connects = 0
        self.connect_failures = 0
        self.server_closes = 0
        self.responses = {}
        self.samples = []
        self.ramp_seconds = None


async def slow_client(index, args, stats, stop):
    head = (f"GET /healthz?slow={index} HTTP/1.1\r\nHost: {args.host}\r\nUser-Agent: slowloris\r\nX-Slow: ").encode()
    while not stop.is_set():
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(args.host, args.port), 10)
        except (OSError, asyncio.TimeoutError):
            stats.connect_failures += 1
            await asyncio.sleep(0.5)
            continue
        stats.connects += 1
        stats.open += 1
        closed_by_server = False
        try:
            writer.write(head)
            await writer.drain()
            read = asyncio.ensure_future(reader.read(4096))
            while not stop.is_set():
                done, _ = await asyncio.wait({read}, timeout=args.interval)
                if done:
                    data = read.result()
                    if data.startswith(b"HTTP/1.1 "):
                        status = data[9:12].decode(errors="replace")
                        stats.responses[status] = stats.responses.get(status, 0) + 1
                    closed_by_server = True
                    break
                writer.write(b"a")  # one more byte of a header value that never ends
                await writer.drain()
            if not read.done():
                read.cancel()
        except (OSError, ConnectionError):
            closed_by_server = True
        finally:
            stats.open -= 1
            if closed_by_server:
                stats.server_closes += 1
            writer.close()
            try:
                await writer.wait_closed()
            except (OSError, ConnectionError):
                pass


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between two bytes")
    parser.add_argument("--duration", type=float, default=3600.0)
    parser.add_argument("--ready-file", help="written once COUNT connections are open")
    args = parser.parse_args()

    stats = Stats()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    started = time.monotonic()
    clients = []
    for i in range(args.count):
        clients.append(asyncio.ensure_future(slow_client(i, args, stats, stop)))
        if i % 50 == 49:
            await asyncio.sleep(0.01)  # ramp up without a SYN flood
    deadline = started + args.duration
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except asyncio.TimeoutError:
            pass
        if stats.ramp_seconds is None and stats.open >= args.count * 0.98:
            stats.ramp_seconds = round(time.monotonic() - started, 2)
            if args.ready_file:
                with open(args.ready_file, "w") as f:
                    f.write("ready\n")
        if stats.ramp_seconds is not None:
            stats.samples.append(stats.open)
    stop.set()
    await asyncio.wait(clients, timeout=5)
    samples = stats.samples or [stats.open]
    print(json.dumps({
        "target": args.count,
        "ramp_seconds": stats.ramp_seconds,
        "open_min": min(samples),
        "open_mean": round(sum(samples) / len(samples)),
        "connects": stats.connects,
        "connect_failures": stats.connect_failures,
        "server_closes": stats.server_closes,
        "responses": stats.responses,
        "seconds": round(time.monotonic() - started, 1),
    }))


if __name__ == "__main__":
    asyncio.run(main())
