#!/usr/bin/env python3
"""Side-by-side timing of the ESC response metrics: Python reference vs esc-metrics.

Workload: the ESConv test split, 2,700 pairs (supporter turn i against supporter
turn i+1 of the same dialog, whitespace-normalised). Both sides do the full
reference metric set: `nltk.word_tokenize(x.lower())` of hypothesis and reference,
corpus BLEU-1..4 (method3), Distinct-1..3, unigram F1, ROUGE-L (beta 1.2), length.
Python: nltk 3.10.4 + the reference definitions of `scripts/metrics_reference.py`
(Punkt model loaded before timing). Rust: `examples/metrics_bench.rs` in release.
Prints both medians and the ratio.

Usage: /work/venv/bin/python scripts/bench_metrics.py [--repeats 5] [--rust-iters 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nltk
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import metrics_reference as ref  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def python_once(pairs: list[tuple[str, list[str]]]) -> dict:
    hyps = [nltk.word_tokenize(h.lower()) for h, _ in pairs]
    refs = [[nltk.word_tokenize(r.lower()) for r in rs] for _, rs in pairs]
    return {
        "length": float(np.mean([len(h) for h in hyps])),
        **{f"dist-{k}": 100 * ref.distinct(hyps, k, True) for k in (1, 2, 3)},
        **{f"bleu-{k}": 100 * ref.esc_bleu(refs, hyps, k) for k in (1, 2, 3, 4)},
        "f1": 100 * float(np.mean([ref.esc_unigram_f1(h, rs) for h, rs in zip(hyps, refs)])),
        "rouge-l": 100 * float(np.mean([ref.esc_rouge_l(h, rs) for h, rs in zip(hyps, refs)])),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", help="shared data folder")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rust-iters", type=int, default=30)
    ap.add_argument("--rust-bin", help="a built metrics_bench binary (default: cargo run --release)")
    args = ap.parse_args()
    data = ref.find_data(args.data)
    nltk.data.path.insert(0, str(data / "nltk_data"))
    pairs = ref.build_pairs(ref.read_dialogs(data / "esconv" / "test.jsonl"), 1)
    nltk.word_tokenize("Warm up. The Punkt model loads here.")
    load_before = os.getloadavg()[0]

    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        py_report = python_once(pairs)
        times.append(time.perf_counter() - t0)
    py_median = statistics.median(times)

    env = dict(os.environ, STAR_ESC_DATA=str(data))
    env.setdefault("CARGO_TARGET_DIR", "/root/.cache/star-esc-target")
    cmd = ["cargo", "run", "--release", "-q", "-p", "esc-metrics", "--example", "metrics_bench", "--"]
    if args.rust_bin:
        cmd = [args.rust_bin]
    cmd.append(str(args.rust_iters))
    out = subprocess.run(cmd, cwd=REPO, env=env, check=True, capture_output=True, text=True).stdout
    rust = json.loads(out.strip().splitlines()[-1])

    worst = max(abs(rust["report"][k] - v) for k, v in py_report.items())
    print(f"workload: ESConv test split, {len(pairs)} pairs, full ESC response-metric set")
    print(f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after (2 cores)")
    print(f"python (nltk {nltk.__version__}): median {py_median * 1e3:9.1f} ms over {args.repeats} runs")
    print(
        f"rust (esc-metrics, release, one thread):  median {rust['median_s'] * 1e3:9.2f} ms "
        f"(min {rust['min_s'] * 1e3:.2f}) over {rust['iterations']} runs"
    )
    print(f"max |rust - python| over the reported values: {worst:.2e}")
    print(f"ratio python / rust: {py_median / rust['median_s']:.0f}x")


if __name__ == "__main__":
    main()
