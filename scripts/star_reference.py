"""PyTorch reference of the STAR module (paper Sec. 3, Eqs. (1)-(4)) and the parity fixture.

Same math as the authors' `models/star_blenderbot_small.py` (see shared/docs/REFERENCE.md), written
naively on purpose: a Python loop over examples (and, for causal pooling, over positions), keys and
values projected for every row, `torch.nn.functional` everywhere. No code from the reference.

Writes crates/star-core/tests/fixtures/star_parity.json: random weights (PyTorch layout
[out, in]), inputs (hidden states, strategy ids, right-padded pad mask), outputs (h', g, z) and the
gradients of loss = sum(h' * loss_weights) w.r.t. the hidden states and every parameter, for
8 configurations covering both expert modes, both gate widths, both pad-pooling modes and both
pooling modes. Computed in float64 from float32-exact inputs.

Usage: /work/venv/bin/python scripts/star_reference.py   (torch 2.15.0, see requirements.txt)
"""

import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F

D, FFN, GATE, HEADS, N_STRAT = 16, 32, 8, 4, 3
B, T = 4, 5
LENGTHS = [5, 3, 4, 2]  # right padding
STRATEGY_IDS = [2, 0, 2, 1]  # unsorted, one expert used twice
OUT = Path(__file__).resolve().parents[1] / "crates/star-core/tests/fixtures/star_parity.json"

CASES = [
    # (name, expert_mode, gate_width, pad_pooling, pooling)
    ("per_strategy_scalar_masked_full", "per_strategy", "scalar", "masked", "full"),
    ("per_strategy_scalar_include_pads_full", "per_strategy", "scalar", "include_pads", "full"),
    ("shared_scalar_masked_full", "shared", "scalar", "masked", "full"),
    ("per_strategy_per_channel_masked_full", "per_strategy", "per_channel", "masked", "full"),
    ("shared_per_channel_include_pads_full", "shared", "per_channel", "include_pads", "full"),
    ("per_strategy_scalar_masked_causal", "per_strategy", "scalar", "masked", "causal"),
    ("per_strategy_per_channel_include_pads_causal", "per_strategy", "per_channel", "include_pads", "causal"),
    ("shared_scalar_masked_causal", "shared", "scalar", "masked", "causal"),
]


def linear_params(prefix, d_in, d_out, bias=True):
    """torch nn.Linear default init, rounded to float32."""
    layer = torch.nn.Linear(d_in, d_out, bias=bias)
    params = {f"{prefix}.weight": layer.weight.detach().float()}
    if bias:
        params[f"{prefix}.bias"] = layer.bias.detach().float()
    return params


def make_params(gate_width):
    params = {}
    for name in ["q_proj", "k_proj", "v_proj", "out_proj"]:
        params.update(linear_params(f"pooling.{name}", D, D))
    gate_out = 1 if gate_width == "scalar" else D
    for e in range(N_STRAT):
        params.update(linear_params(f"experts.{e}.gate.fc1", D, GATE))
        # Gate output layer random (not zero) so that gradients flow everywhere.
        params.update(linear_params(f"experts.{e}.gate.fc2", GATE, gate_out, bias=False))
        params.update(linear_params(f"experts.{e}.refine.fc1", D, FFN))
        params.update(linear_params(f"experts.{e}.refine.fc2", FFN, D))
    return params


def lin(p, prefix, x):
    return F.linear(x, p[f"{prefix}.weight"], p.get(f"{prefix}.bias"))


def attention_pool(p, x):
    """Eq. (1) on one sequence x [L, d]: query = mean row, keys/values = [mean; x]."""
    s = torch.cat([x.mean(dim=0, keepdim=True), x], dim=0)  # [L+1, d]
    q = lin(p, "pooling.q_proj", s[:1])  # [1, d]
    k = lin(p, "pooling.k_proj", s)  # [L+1, d]
    v = lin(p, "pooling.v_proj", s)
    dh = D // HEADS
    q = q.view(1, HEADS, dh).transpose(0, 1) / math.sqrt(dh)  # [H, 1, dh]
    k = k.view(-1, HEADS, dh).transpose(0, 1)  # [H, L+1, dh]
    v = v.view(-1, HEADS, dh).transpose(0, 1)
    attn = torch.softmax(q @ k.transpose(1, 2), dim=-1)  # [H, 1, L+1]
    out = (attn @ v).transpose(0, 1).reshape(1, D)  # [1, d]
    return lin(p, "pooling.out_proj", out)[0]  # [d]


def expert(p, e, z):
    """Eqs. (2)-(3) with dropout off: g = sigmoid(f(z)), h_hat = P(z)."""
    g = torch.sigmoid(lin(p, f"experts.{e}.gate.fc2", torch.relu(lin(p, f"experts.{e}.gate.fc1", z))))
    r = lin(p, f"experts.{e}.refine.fc2", F.gelu(lin(p, f"experts.{e}.refine.fc1", z)))  # exact GELU
    return g, r


def star_per_example(p, hidden, pad, ids, expert_mode, pad_pooling, pooling):
    outs, gates, pooled = [], [], []
    for i in range(hidden.shape[0]):
        h = hidden[i]
        keep = ~pad[i] if pad_pooling == "masked" else torch.ones_like(pad[i])
        e = ids[i] if expert_mode == "per_strategy" else 0
        if pooling == "full":
            z = attention_pool(p, h[keep]).unsqueeze(0)  # [1, d]
        else:
            z = torch.stack([attention_pool(p, h[: t + 1][keep[: t + 1]]) for t in range(h.shape[0])])
        g, r = expert(p, e, z)
        outs.append(g * r + (1 - g) * h)  # Eq. (4), broadcast over positions when full
        gates.append(g)
        pooled.append(z)
    return torch.stack(outs), torch.stack(gates), torch.stack(pooled)


def tolist(t):
    return [float(f"{v:.8g}") for v in t.detach().reshape(-1).tolist()]


def round_trip(t):
    """The float32 tensor the Rust side reads back from the JSON (8 significant digits)."""
    return torch.tensor(tolist(t), dtype=torch.float32).view(t.shape)


def tensor_json(t):
    return {"shape": list(t.shape), "data": tolist(t)}


def main():
    torch.manual_seed(20240531)
    hidden = round_trip(torch.randn(B, T, D))
    pad = torch.tensor([[t >= n for t in range(T)] for n in LENGTHS])
    loss_weights = round_trip(torch.randn(B, T, D))
    params = {w: {k: round_trip(v) for k, v in make_params(w).items()} for w in ["scalar", "per_channel"]}

    cases = []
    for name, expert_mode, gate_width, pad_pooling, pooling in CASES:
        p = {k: v.double().clone().requires_grad_(True) for k, v in params[gate_width].items()}
        if expert_mode == "shared":
            p = {k: v for k, v in p.items() if not k.startswith("experts.") or k.startswith("experts.0.")}
        h = hidden.double().clone().requires_grad_(True)
        out, gate, pooled = star_per_example(p, h, pad, STRATEGY_IDS, expert_mode, pad_pooling, pooling)
        (out * loss_weights.double()).sum().backward()
        grads = {"hidden": tensor_json(h.grad)}
        for k, v in p.items():
            grads[k] = tensor_json(v.grad if v.grad is not None else torch.zeros_like(v))
        cases.append({
            "name": name,
            "expert_mode": expert_mode,
            "gate_width": gate_width,
            "pad_pooling": pad_pooling,
            "pooling": pooling,
            "output": {"hidden": tensor_json(out), "gate": tensor_json(gate), "pooled": tensor_json(pooled)},
            "grads": grads,
        })

    fixture = {
        "generator": "scripts/star_reference.py",
        "torch": torch.__version__,
        "dims": {"d_model": D, "d_ffn": FFN, "gate_dim": GATE, "n_heads": HEADS, "n_strategies": N_STRAT,
                 "batch": B, "seq": T},
        "weight_layout": "pytorch [out, in]",
        "hidden": tensor_json(hidden),
        "mask_pad": pad.tolist(),
        "strategy_ids": STRATEGY_IDS,
        "loss_weights": tensor_json(loss_weights),
        "params": {w: {k: tensor_json(v) for k, v in ps.items()} for w, ps in params.items()},
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, separators=(",", ":")))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
