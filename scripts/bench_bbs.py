#!/usr/bin/env python3
"""Speed of BlenderBot-Small in PyTorch/transformers vs esc-models (burn flex and ndarray), same machine.

Measures, for the "small" (d 256, 4+4 layers, ffn 1024) and the 90M configurations with random weights:
- a training step (forward + backward + AdamW step), batch 8, encoder 160 / decoder 40 tokens;
- greedy KV-cached generation of exactly 40 new tokens, batch 1 and 16.
PyTorch runs with 2 threads; the Rust side is `cargo run --release --example bench_bbs`
(run with RAYON_NUM_THREADS=2). Prints medians, the ratio Rust time / PyTorch time (< 1 = Rust faster)
and the speed PyTorch time / Rust time (> 1 = Rust faster), and for the training step the same per
phase (forward, loss, backward, optimizer).

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
PHASES = ("forward", "loss", "backward", "optimizer")


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
    phases = []
    b = 8
    for i in range(REPEATS + 1):
        inp = torch.randint(4, cfg.vocab_size, (b, SRC))
        dec = torch.randint(4, cfg.vocab_size, (b, TGT))
        labels = torch.randint(4, cfg.vocab_size, (b, TGT))
        t0 = time.perf_counter()
        logits = model(input_ids=inp, attention_mask=torch.ones_like(inp), decoder_input_ids=dec).logits
        t1 = time.perf_counter()
        # The loss transformers computes when given `labels` (token mean over the whole batch).
        loss = torch.nn.functional.cross_entropy(logits.view(-1, cfg.vocab_size), labels.view(-1))
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        opt.step()
        opt.zero_grad()
        t4 = time.perf_counter()
        if i > 0:
            phases.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0))
    phase = {name: statistics.median(p[j] for p in phases) for j, name in enumerate(PHASES)}
    results.append(dict(what="train_step", batch=b, seconds=statistics.median(p[4] for p in phases),
                        phases=phase))
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
    cmd = [binary] if binary else ["cargo", "run", "--release", "-q", "--example",
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
        subprocess.run(["cargo", "build", "--release", "-q", "--example", "bench_bbs"],
                       check=True)
    which_list = args.which
    for which in which_list:
        torch_list = torch_bench(which)
        torch_res = {(r["what"], r["batch"]): r for r in torch_list}
        for r in torch_list:
            print(f"{which:5} {r['what']:10} batch {r['batch']:2}  torch      {r['seconds']:8.3f} s")
        for backend in args.backends.split(","):
            for r in rust_bench(which, backend, args.rust_bin):
                t = torch_res[(r["what"], r["batch"])]
                # speed = torch time / our time: > 1 means ours is faster.
                print(f"{which:5} {r['what']:10} batch {r['batch']:2}  {backend:10} {r['seconds']:8.3f} s"
                      f"  ratio rust/torch {r['seconds'] / t['seconds']:5.2f}"
                      f"  speed {t['seconds'] / r['seconds']:5.2f}x")
                # Where a training step's time goes, phase by phase (flex is eager; torch on the CPU too).
                for name in PHASES if "phases" in r and "phases" in t else ():
                    ours, theirs = r["phases"][name], t["phases"][name]
                    print(f"{which:5}   {name:9}            torch {theirs * 1e3:7.1f} ms  {backend} "
                          f"{ours * 1e3:7.1f} ms  speed {theirs / ours:5.2f}x")


if __name__ == "__main__":
    main()
