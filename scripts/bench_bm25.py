#!/usr/bin/env python3
"""KEMI retrieval speed: rank_bm25's BM25Okapi vs esc_data::Bm25Knowledge, ESConv.

Indexes the training split's exemplars (a seeker turn and the supporter turn right after it,
12,271 pairs) and queries with the last seeker utterance before each supporter turn of the
validation split, top 2 with a positive score, as crates/esc-data/benches/bm25.rs does.
Tokenisation as esc_data::bm25_tokens. Prints rank_bm25's median microseconds per query (over
`--queries` queries, `--runs` passes) and, when the criterion results of
`cargo bench --workspace --bench bm25` are in $CARGO_TARGET_DIR/criterion, ours and the ratio.

    /work/venv/bin/python scripts/bench_bm25.py [--queries 200] [--runs 5]

Pinned: rank-bm25 0.2.2, numpy (scripts/requirements.txt).
"""

import argparse
import json
import os
import re
import statistics
import time

import numpy as np
from rank_bm25 import BM25Okapi

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tokens(text):
    return re.findall(r"[^\W_]+", text.lower())


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = os.environ.get("STAR_ESC_DATA") or os.path.join(os.path.dirname(REPO), "shared", "data")
    train = read(os.path.join(data, "esconv", "train.jsonl"))
    valid = read(os.path.join(data, "esconv", "valid.jsonl"))
    docs = []
    for d in train:
        turns = d["dialog"]
        for a, b in zip(turns, turns[1:]):
            if a["speaker"] == "usr" and b["speaker"] == "sys":
                docs.append(tokens(" ".join(a["text"].split())))
    queries = []
    for d in valid:
        turns = d["dialog"]
        for i, t in enumerate(turns):
            if i > 0 and t["speaker"] == "sys":
                seeker = [u for u in turns[:i] if u["speaker"] == "usr"]
                queries.append(tokens(" ".join(seeker[-1]["text"].split())) if seeker else [])
    t0 = time.perf_counter()
    bm = BM25Okapi(docs, k1=1.2, b=0.75, epsilon=0.25)
    build_s = time.perf_counter() - t0
    sub = queries[: args.queries]
    per_query = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        for q in sub:
            s = bm.get_scores(q)
            top = np.argsort(-s, kind="stable")[:2]
            _ = [i for i in top if s[i] > 0]
        per_query.append((time.perf_counter() - t0) / len(sub) * 1e6)
    py_us = statistics.median(per_query)
    print(f"{len(docs)} exemplars, {len(queries)} validation queries ({len(sub)} timed)")
    print(f"rank_bm25 {bm.__class__.__name__}: build {build_s * 1e3:.0f} ms, {py_us:.1f} us/query (median of {args.runs})")
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    est = os.path.join(target, "criterion", "bm25", "query", "new", "estimates.json")
    if os.path.isfile(est):
        with open(est) as f:
            pass_ns = json.load(f)["median"]["point_estimate"]
        rust_us = pass_ns / len(queries) / 1e3
        print(f"esc_data::Bm25Knowledge: {rust_us:.2f} us/query (criterion median, all {len(queries)} queries)")
        print(f"ratio rank_bm25 / ours: {py_us / rust_us:.0f}x")
    else:
        print(f"no criterion result at {est}: run `cargo bench --workspace --bench bm25` first")


if __name__ == "__main__":
    main()
