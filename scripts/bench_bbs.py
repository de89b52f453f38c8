#!/usr/bin/env python3
"""Speed of BlenderBot-Small in PyTorch/transformers vs esc-models (burn flex and ndarray), same machine.

Measures, for the "small" (d 256, 4+4 layers, ffn 1024) and the 90M configurations with random weights:
- a training step (forward + backward + AdamW step), batch 8, encoder 160 / decoder 40 tokens;
- greedy KV-cached generation of exactly 40 new tokens, batch 1 and 16.
PyTorch runs with 2 threads; the Rust side is `cargo run --release -p esc-models --example bench_bbs`
(run with RAYON_NUM_THREADS=2). Prints medians and the ratio Rust time / PyTorch time (< 1 = Rust faster).

Run from the repository root, with no other build running:
    CARGO_TARGET_DIR=/root/.cache/star-esc-target /work/venv/bin/python scripts/bench_bbs.py [small|90m ...]
Options: --rust-bin PATH (a prebuilt bench_bbs binary, on a machine without cargo, see
scripts/device_bench.sh), --backends flex,ndarray.
"""

import argparse
import json
import os
import statistics
import subprocess
import time

import torch
import transformers
from transformers import BlenderbotSmallConfig, BlenderbotSmallForConditionalGeneration

print(f"# transformers {transformers.__version__}, torch {torch.__version__}", flush=True)
torch.set_num_threads(2)
SRC, TGT, REPEATS = 160, 40, 3


def config(which):
    c = dict(
        vocab_size=54944, max_position_embeddings=512, d_model=512, encoder_layers=8, decoder_layers=8,
        encoder_attention_heads=16, decoder_attention_heads=16, encoder_ffn_dim=2048, decoder_ffn_dim=2048,
        dropout=0.1, scale_embedding=True, pad_token_id=0, bos_token_id=1, eos_token_id=2,
        decoder_start_token_id=1, forced_eos_token_id=None,
    )
    if which == "small":
        c.update(d_model=256, encoder_layers=4, decoder_layers=4, encoder_attention_heads=4,
                 decoder_attention_heads=4, encoder_ffn_dim=1024, decoder_ffn_dim=1024)
    return BlenderbotSmallConfig(**c)


def torch_bench(which):
    torch.manual_seed(0)
    cfg = config(which)
    model = BlenderbotSmallForConditionalGeneration(cfg)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-5, weight_decay=0.01)
    results = []
    times = []
    b = 8
    for i in range(REPEATS + 1):
        inp = torch.randint(4, cfg.vocab_size, (b, SRC))
        dec = torch.randint(4, cfg.vocab_size, (b, TGT))
        labels = torch.randint(4, cfg.vocab_size, (b, TGT))
        t0 = time.perf_counter()
        out = model(input_ids=inp, attention_mask=torch.ones_like(inp), decoder_input_ids=dec, labels=labels)
        out.loss.backward()
        opt.step()
        opt.zero_grad()
        if i > 0:
            times.append(time.perf_counter() - t0)
    results.append(dict(what="train_step", batch=b, seconds=statistics.median(times)))
    model.eval()
    for b in (1, 16):
        times = []
        for i in range(min(REPEATS, 3) + 1):
            inp = torch.randint(4, cfg.vocab_size, (b, SRC))
            t0 = time.perf_counter()
            with torch.no_grad():
                ids = model.generate(input_ids=inp, attention_mask=torch.ones_like(inp), do_sample=False,
                                     num_beams=1, max_length=41, min_length=41, use_cache=True,
                                     no_repeat_ngram_size=0)
            assert ids.shape[1] == 41
            if i > 0:
                times.append(time.perf_counter() - t0)
        results.append(dict(what="greedy_40", batch=b, seconds=statistics.median(times)))
    return results


def rust_bench(which, backend, binary):
    env = dict(os.environ, RAYON_NUM_THREADS="2")
    cmd = [binary] if binary else ["cargo", "run", "--release", "-q", "-p", "esc-models", "--example",
                                   "bench_bbs", "--"]
    cmd += [which, backend, str(REPEATS)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("which", nargs="*", default=["small", "90m"])
    ap.add_argument("--rust-bin", help="prebuilt bench_bbs binary instead of cargo run")
    ap.add_argument("--backends", default="flex,ndarray")
    args = ap.parse_args()
    if not args.rust_bin:
        # Build first so that no compilation overlaps a measurement.
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "esc-models", "--example", "bench_bbs"],
                       check=True)
    which_list = args.which
    for which in which_list:
        torch_res = {(r["what"], r["batch"]): r["seconds"] for r in torch_bench(which)}
        for (what, b), s in torch_res.items():
            print(f"{which:5} {what:10} batch {b:2}  torch      {s:8.3f} s")
        for backend in args.backends.split(","):
            for r in rust_bench(which, backend, args.rust_bin):
                t = torch_res[(r["what"], r["batch"])]
                print(f"{which:5} {r['what']:10} batch {r['batch']:2}  {backend:10} {r['seconds']:8.3f} s"
                      f"  ratio rust/torch {r['seconds'] / t:5.2f}")


if __name__ == "__main__":
    main()
