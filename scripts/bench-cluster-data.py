#!/usr/bin/env python3
"""Synthetic embeddings for the clustering benchmark through the service.

Writes a PostgreSQL binary COPY file for conversation_embeddings(conversation_id, project_id, model, vector):
rows 1..N, vectors of 384 float32 (little-endian, as Parley stores them) drawn around `topics` random unit
centroids with noise, so that the clusters are real but not trivially separated.
Usage: bench-cluster-data.py N PROJECT_ID MODEL OUT [TOPICS]
"""
import struct
import sys

import numpy as np

n, project, model, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4]
topics = int(sys.argv[5]) if len(sys.argv) > 5 else 200
d = 384
rng = np.random.default_rng(7)
centroids = rng.standard_normal((topics, d)).astype(np.float32)
centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)

row = np.dtype([
    ("fields", ">i2"), ("l1", ">i4"), ("id", ">i8"), ("l2", ">i4"), ("project", ">i8"),
    ("l3", ">i4"), ("model", f"S{len(model)}"), ("l4", ">i4"), ("vector", "<f4", (d,)),
])
with open(out, "wb") as f:
    f.write(b"PGCOPY\n\xff\r\n\0" + struct.pack(">ii", 0, 0))
    chunk = 50_000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        ids = np.arange(start + 1, start + m + 1)
        topic = (ids - 1) % topics
        v = centroids[topic] + rng.standard_normal((m, d)).astype(np.float32) * 0.045
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        rows = np.zeros(m, dtype=row)
        rows["fields"], rows["l1"], rows["id"], rows["l2"], rows["project"] = 4, 8, ids, 8, project
        rows["l3"], rows["model"], rows["l4"], rows["vector"] = len(model), model, d * 4, v
        f.write(rows.tobytes())
    f.write(struct.pack(">h", -1))
