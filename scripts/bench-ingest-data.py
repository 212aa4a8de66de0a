#!/usr/bin/env python3
"""Writes N realistic conversations as gzipped NDJSON (for the API) and as COPY text (for psql \\copy).

Both files hold the same rows, so the two loads compare like with like."""
import gzip, hashlib, json, random, sys

n, ndjson_path, copy_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(7)
words = ("account card payment transfer declined refund balance limit fee statement address verify identity "
         "travel currency exchange cash withdrawal pin blocked fraud dispute merchant pending salary app login").split()

def sentence(k):
    return " ".join(rng.choice(words) for _ in range(k)).capitalize() + "."

def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

with gzip.open(ndjson_path, "wt", compresslevel=3) as nd, open(copy_path, "w") as cp:
    for i in range(n):
        msgs = [{"content": "You are Nova, the support assistant of an online bank. Be concise and accurate.", "role": "system"}]
        for _ in range(rng.choice((2, 3))):
            msgs.append({"content": " ".join(sentence(rng.randint(8, 16)) for _ in range(3)), "role": "user"})
            msgs.append({"content": " ".join(sentence(rng.randint(10, 18)) for _ in range(5)), "role": "assistant"})
        conv = {"id": f"bulk-{i}", "model": rng.choice(("gpt-4o-mini", "gpt-4o")), "user_id": f"u{i % 5000}",
                "started_at": f"2026-11-{1 + i % 20:02d}T{i % 24:02d}:00:00Z", "metadata": {"channel": "web"},
                "tags": ["bulk"], "messages": msgs}
        nd.write(json.dumps(conv, separators=(",", ":")) + "\n")
        messages = json.dumps(msgs, separators=(",", ":"), ensure_ascii=False)
        row = ["1", conv["id"], conv["model"], "v1", conv["user_id"], "\\N", conv["started_at"], str(len(msgs)),
               messages, '{"channel":"web"}', "{bulk}", hashlib.sha256(messages.encode()).hexdigest()]
        cp.write("\t".join(esc(x) if x != "\\N" else x for x in row) + "\n")
