"""STAR speed, side by side: PyTorch per-example loop (the authors' style), vectorised PyTorch, and
star-core (Rust, burn flex / ndarray), at the paper sizes, in one run on the same cores.

Sizes: d 512, ffn 2048, gate 48, 8 strategies, 8 heads, 41 positions, batch 32 and 64.
"forward" = inference (no autograd, dropout off); "forward+backward" = training mode (dropout on),
loss = sum(h'), backward through the module and its inputs. Median of repeated runs, milliseconds.

PyTorch variants:
- loop: a Python loop over examples as in the reference (`F.multi_head_attention_forward` on
  [mean; x] with the mean as query, then the example's expert).
- vec: batched pooling (keys/values projected for every position), experts applied once per
  strategy group (REFERENCE.md's "vectorised" anchor).
- vec_sq: like vec, with the single-query pooling algebra star-core uses (no key/value projection
  of positions).

Usage: /work/venv/bin/python scripts/bench_star.py [--threads 2] [--reps 15] [--no-rust]
           [--rust-bin PATH] [--devices flex,ndarray]
The Rust side is `cargo run --profile bench -p star-core --example star_bench_json`
(built first; set CARGO_TARGET_DIR as usual), or the prebuilt binary `--rust-bin` (on a machine
without cargo, see scripts/device_bench.sh).
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

D, FFN, GATE, HEADS, N_STRAT, T = 512, 2048, 48, 8, 8, 41
ROOT = Path(__file__).resolve().parents[1]


class Expert(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate_fc1 = nn.Linear(D, GATE)
        self.gate_fc2 = nn.Linear(GATE, 1, bias=False)
        self.fc1 = nn.Linear(D, FFN)
        self.fc2 = nn.Linear(FFN, D)
        self.gate_dropout = nn.Dropout(0.2)
        self.dropout = nn.Dropout(0.1)

    def forward(self, z):
        g = torch.sigmoid(self.gate_fc2(torch.relu(self.gate_fc1(self.gate_dropout(z)))))
        r = self.dropout(self.fc2(F.gelu(self.fc1(z))))
        return g, r


class Star(nn.Module):
    def __init__(self):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj, self.c_proj = (nn.Linear(D, D) for _ in range(4))
        self.experts = nn.ModuleList(Expert() for _ in range(N_STRAT))

    # --- the reference style: one example at a time ---
    def pool_one(self, x):
        s = torch.cat([x.mean(dim=0, keepdim=True), x], dim=0).unsqueeze(1)  # [L+1, 1, d]
        out, _ = F.multi_head_attention_forward(
            query=s[:1], key=s, value=s, embed_dim_to_check=D, num_heads=HEADS,
            q_proj_weight=self.q_proj.weight, k_proj_weight=self.k_proj.weight,
            v_proj_weight=self.v_proj.weight, in_proj_weight=None,
            in_proj_bias=torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias]),
            bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
            out_proj_weight=self.c_proj.weight, out_proj_bias=self.c_proj.bias,
            use_separate_proj_weight=True, training=self.training, need_weights=False)
        return out[0, 0]

    def forward_loop(self, h, ids):
        outs = []
        for i in range(h.shape[0]):
            z = self.pool_one(h[i])
            g, r = self.experts[int(ids[i])](z)
            outs.append(g * r + (1 - g) * h[i])
        return torch.stack(outs)

    # --- vectorised ---
    def pool_batched(self, h):
        b = h.shape[0]
        dh = D // HEADS
        s = torch.cat([h.mean(dim=1, keepdim=True), h], dim=1)  # [b, L+1, d]
        q = self.q_proj(s[:, :1]).view(b, 1, HEADS, dh).transpose(1, 2)
        k = self.k_proj(s).view(b, -1, HEADS, dh).transpose(1, 2)
        v = self.v_proj(s).view(b, -1, HEADS, dh).transpose(1, 2)
        attn = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        return self.c_proj((attn @ v).transpose(1, 2).reshape(b, D))

    def pool_single_query(self, h):
        b = h.shape[0]
        dh = D // HEADS
        m = h.mean(dim=1, keepdim=True)
        s = torch.cat([m, h], dim=1)  # [b, L+1, d]
        q = (self.q_proj(m) / math.sqrt(dh)).view(b, HEADS, dh)
        # u_j = W_k,j^T q_j (k_proj.weight is [out, in]; row block j belongs to head j).
        u = torch.einsum("bhe,hed->bhd", q, self.k_proj.weight.view(HEADS, dh, D))
        attn = torch.softmax(u @ s.transpose(1, 2), dim=-1)  # [b, h, L+1]
        pooled = attn @ s  # [b, h, d]
        heads = torch.einsum("bhd,hed->bhe", pooled, self.v_proj.weight.view(HEADS, dh, D))
        return self.c_proj(heads.reshape(b, D) + self.v_proj.bias)

    def experts_grouped(self, z, ids):
        g = z.new_empty(z.shape[0], 1)
        r = torch.empty_like(z)
        for e in torch.unique(ids).tolist():
            idx = (ids == e).nonzero(as_tuple=True)[0]
            ge, re = self.experts[e](z[idx])
            g = g.index_copy(0, idx, ge)
            r = r.index_copy(0, idx, re)
        return g, r

    def forward_vec(self, h, ids, single_query):
        z = self.pool_single_query(h) if single_query else self.pool_batched(h)
        g, r = self.experts_grouped(z, ids)
        return g[:, None] * r[:, None] + (1 - g[:, None]) * h


def median_ms(fn, reps, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def bench_torch(b, reps):
    torch.manual_seed(0)
    star = Star()
    h = torch.randn(b, T, D)
    ids = torch.randint(0, N_STRAT, (b,))
    variants = {
        "loop": lambda x: star.forward_loop(x, ids),
        "vec": lambda x: star.forward_vec(x, ids, single_query=False),
        "vec_sq": lambda x: star.forward_vec(x, ids, single_query=True),
    }
    # The three variants compute the same function.
    star.eval()
    with torch.no_grad():
        ref = variants["loop"](h)
        for name, fn in variants.items():
            assert torch.allclose(fn(h), ref, atol=1e-4), name
    results = {}
    for name, fn in variants.items():
        star.eval()

        def fwd():
            with torch.no_grad():
                fn(h)

        star.train()
        hg = h.clone().requires_grad_(True)

        def fwd_bwd():
            star.zero_grad(set_to_none=True)
            hg.grad = None
            fn(hg).sum().backward()

        star.eval()
        f = median_ms(fwd, reps)
        star.train()
        fb = median_ms(fwd_bwd, reps)
        results[name] = {"forward": f, "forward_backward": fb}
    return results


def run_rust(reps, binary, devices):
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", "/root/.cache/star-esc-target")
    cmd = [binary] if binary else ["cargo", "run", "-q", "--profile", "bench", "-p", "star-core",
                                   "--example", "star_bench_json", "--"]
    cmd += ["--reps", str(reps), "--devices", devices]
    out = subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--no-rust", action="store_true")
    ap.add_argument("--rust-bin", help="prebuilt star_bench_json binary instead of cargo run")
    ap.add_argument("--devices", default="flex,ndarray", help="Rust backends (flex, ndarray)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    rust = {} if args.no_rust else run_rust(args.reps, args.rust_bin, args.devices)
    rows = []
    for b in [32, 64]:
        torch_res = bench_torch(b, args.reps)
        for mode in ["forward", "forward_backward"]:
            row = {"batch": b, "mode": mode}
            row.update({f"torch_{k}": v[mode] for k, v in torch_res.items()})
            for backend, res in rust.items():
                row[f"rust_{backend}"] = res[f"b{b}"][mode]
                row[f"rust_{backend}_loop"] = res[f"b{b}"][f"{mode}_loop"]
            rows.append(row)

    print(f"# torch {torch.__version__}, {args.threads} threads; median ms over {args.reps} runs")
    print(json.dumps(rows))
    header = ["batch", "mode", "torch loop", "torch vec", "torch vec_sq"]
    backends = list(rust)
    for backend in backends:
        header += [f"{backend}", f"{backend} loop", f"loop/{backend}", f"vec/{backend}", f"vec_sq/{backend}"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        cells = [str(r["batch"]), r["mode"], f"{r['torch_loop']:.1f}", f"{r['torch_vec']:.1f}",
                 f"{r['torch_vec_sq']:.1f}"]
        for backend in backends:
            ours = r[f"rust_{backend}"]
            cells += [f"{ours:.1f}", f"{r[f'rust_{backend}_loop']:.1f}", f"{r['torch_loop'] / ours:.1f}x",
                      f"{r['torch_vec'] / ours:.2f}x", f"{r['torch_vec_sq'] / ours:.2f}x"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
