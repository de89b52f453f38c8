#!/usr/bin/env python3
"""Reference fixture for the fused flex attention (`esc-models`, `blenderbot_small/flex_attention.rs`).

PyTorch's `F.scaled_dot_product_attention(q, k, v, attn_mask, scale=...)` on float64 copies of
float32 inputs, and the gradients of `(out * weight).sum()` with respect to q, k and v from torch
autograd. The boolean mask is ours (`true` = masked); SDPA's is the opposite (`true` = attend).
A query row whose keys are all masked attends to nothing in burn's convention (zeros, no
gradient); SDPA returns NaN there, so such rows are zeroed in the fixture and their gradient is
taken from the masked-out expression (zero). Cases: the BlenderBot-Small head width (d 64) with
causal self-attention, cross-attention with padded keys, a single query (decoding), and a fully
masked row.

Writes `crates/esc-models/tests/fixtures/attention.json`.

Pinned: torch 2.15.0 (scripts/requirements.txt).
Run: `/work/venv/bin/python scripts/attention_reference.py` (from the repository root).
"""

import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "esc-models", "tests", "fixtures", "attention.json")


def case(name, b, h, t, s, d, scale, mask, generator):
    """`mask` is a `[b, t, s]` bool tensor, True = masked (ours)."""
    q, k, v, weight = (torch.randn(b, h, n, d, generator=generator).float() for n in (t, s, s, t))
    q64, k64, v64 = (x.double().requires_grad_(True) for x in (q, k, v))
    attend = (~mask).unsqueeze(1).expand(b, h, t, s)
    dead = ~attend.any(-1, keepdim=True)  # rows with no key
    # SDPA on dead rows gives NaN: give them one harmless key, then zero their output.
    safe = attend | dead
    out = F.scaled_dot_product_attention(q64, k64, v64, attn_mask=safe, scale=scale)
    out = out.masked_fill(dead, 0.0)
    (out * weight.double()).sum().backward()
    # 9 significant digits: exact for the float32 inputs, far below the test's tolerance otherwise.
    flat = lambda x: [float(f"{e:.9g}") for e in x.detach().reshape(-1).tolist()]
    return {
        "name": name,
        "dims": [b, h, t, s, d],
        "scale": scale,
        "q": flat(q), "k": flat(k), "v": flat(v), "weight": flat(weight),
        "mask": mask.reshape(-1).tolist(),
        "out": flat(out), "dq": flat(q64.grad), "dk": flat(k64.grad), "dv": flat(v64.grad),
    }


def main():
    g = torch.Generator().manual_seed(20261206)
    cases = []
    # Causal self-attention at the model's head width (d 64), the first example right-padded.
    b, t, d = 2, 6, 64
    causal = torch.ones(t, t, dtype=torch.bool).triu(1).expand(b, t, t).clone()
    causal[0, :, 4:] = True
    cases.append(case("causal_self", b, 2, t, t, d, d ** -0.5, causal, g))
    # Cross-attention: 5 queries over 9 keys, padded keys in both examples (the encoder mask).
    pad = torch.zeros(2, 5, 9, dtype=torch.bool)
    pad[0, :, 7:] = True
    pad[1, :, 3:] = True
    cases.append(case("cross_padded", 2, 4, 5, 9, 16, 0.25, pad, g))
    # One query (a decoding step) over 11 keys, nothing masked, an odd width.
    cases.append(case("single_query", 1, 2, 1, 11, 7, 0.5, torch.zeros(1, 1, 11, dtype=torch.bool), g))
    # A fully masked query row next to ordinary rows.
    dead = torch.zeros(1, 3, 4, dtype=torch.bool)
    dead[0, 1, :] = True
    dead[0, 2, 0] = True
    cases.append(case("fully_masked_row", 1, 2, 3, 4, 8, 0.35, dead, g))
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)


if __name__ == "__main__":
    main()
