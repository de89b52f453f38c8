#!/usr/bin/env python3
"""Reference fixture for the token cross-entropy (`esc_models::loss`: `cross_entropy`,
`nll_per_example`, `token_nll`), fused on flex and composed elsewhere.

`torch.nn.functional.cross_entropy(logits.reshape(-1, V), labels.reshape(-1), ignore_index=-100)`
(token mean, as `transformers` computes the LM loss) and its gradient with respect to the logits
from torch autograd; the per-example summed NLL with `reduction="none"`. Cases: small and wide
vocabularies (odd widths exercise the 16-lane kernels' tails), logits spread over ±30, a row
holding −1e4 entries, ignored labels, and one example whose labels are all ignored.

Writes `crates/esc-models/tests/fixtures/cross_entropy.json`.

Pinned: torch 2.15.0 (scripts/requirements.txt).
Run: `/work/venv/bin/python scripts/cross_entropy_reference.py` (from the repository root).
"""

import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "esc-models", "tests", "fixtures", "cross_entropy.json")


def case(name, b, t, v, scale, generator, ignored=(), all_ignored_row=None, very_negative=False):
    logits = (torch.rand(b, t, v, generator=generator, dtype=torch.float64) * 2 - 1) * scale
    if very_negative:
        logits[0, 0, : v // 2] = -1e4
    logits = logits.float().requires_grad_(True)
    labels = torch.randint(0, v, (b, t), generator=generator)
    for bi, ti in ignored:
        labels[bi, ti] = -100
    if all_ignored_row is not None:
        labels[all_ignored_row, :] = -100
    loss = F.cross_entropy(logits.reshape(-1, v), labels.reshape(-1), ignore_index=-100)
    loss.backward()
    per_token = F.cross_entropy(logits.reshape(-1, v), labels.reshape(-1), ignore_index=-100, reduction="none")
    return {
        "name": name,
        "shape": [b, t, v],
        "logits": logits.detach().reshape(-1).tolist(),
        "labels": labels.reshape(-1).tolist(),
        "loss": loss.item(),
        "nll_per_example": per_token.reshape(b, t).sum(1).tolist(),
        "tokens_per_example": (labels != -100).sum(1).tolist(),
        "grad": logits.grad.reshape(-1).tolist(),
    }


def main():
    g = torch.Generator().manual_seed(20261206)
    cases = [
        case("small", 2, 3, 7, 3.0, g, ignored=[(1, 2)]),
        case("wide_odd", 2, 4, 1003, 30.0, g, ignored=[(0, 3), (1, 0)], very_negative=True),
        case("exact_lanes", 3, 2, 64, 5.0, g, all_ignored_row=1),
        case("one_class_wider_than_rows", 1, 5, 17, 0.01, g),
    ]
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases")


if __name__ == "__main__":
    main()
