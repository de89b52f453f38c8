#!/usr/bin/env python3
"""Tokenizer speed: transformers' slow BlenderbotSmallTokenizer vs ours, ESConv test split.

Encodes the 6,039 test utterances (`encode(text, add_special_tokens=False)`), several passes,
and prints the median seconds per pass of each and the ratio. "cold" clears the BPE cache
before each pass (our side: a fresh clone of the tokenizer), "warm" reuses it.
Run from the repository root, with nothing else running:

    python scripts/bench_tokenizer.py [--runs 11]

It builds and runs `cargo run --release -p esc-data --example tokenizer_timing`.
Pinned: transformers 4.57.1 (see scripts/requirements.txt).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenizer_reference import load_tokenizer  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--data", default=None)
    parser.add_argument("--rust-bin", default=None, help="a built tokenizer_timing binary (skips cargo)")
    args = parser.parse_args()
    data_dir = args.data or os.environ.get("STAR_ESC_DATA") or os.path.join(os.path.dirname(REPO), "shared", "data")
    toker = load_tokenizer(data_dir)
    texts = []
    with open(os.path.join(data_dir, "esconv", "test.jsonl"), encoding="utf-8") as f:
        for line in f:
            texts.extend(turn["text"] for turn in json.loads(line)["dialog"])
    cold, warm = [], []
    for _ in range(args.runs):
        toker.cache = {}
        start = time.perf_counter()
        n_ids = sum(len(toker.encode(t, add_special_tokens=False)) for t in texts)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        sum(len(toker.encode(t, add_special_tokens=False)) for t in texts)
        warm.append(time.perf_counter() - start)
    py = {"cold_s": statistics.median(cold), "warm_s": statistics.median(warm), "ids": n_ids}

    if args.rust_bin:
        cmd = [args.rust_bin, str(args.runs)]
    else:
        subprocess.run(
            ["cargo", "build", "--release", "-p", "esc-data", "--example", "tokenizer_timing"],
            cwd=REPO, check=True,
        )
        cmd = ["cargo", "run", "--release", "-q", "-p", "esc-data", "--example", "tokenizer_timing", "--", str(args.runs)]
    out = subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True)
    rs = json.loads(out.stdout.strip().splitlines()[-1])
    assert rs["ids"] == py["ids"], (rs, py)
    print(f"utterances: {len(texts)}, ids: {py['ids']}, runs: {args.runs} (medians)")
    for kind in ["cold_s", "warm_s"]:
        print(
            f"{kind[:-2]:>5}: python slow {py[kind]:.4f} s, rust {rs[kind]:.4f} s, "
            f"speed-up x{py[kind] / rs[kind]:.1f}"
        )


if __name__ == "__main__":
    main()
