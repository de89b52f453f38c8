#!/usr/bin/env python3
"""Reference fixture for the Emstremo-style contrastive loss (`esc_models::heads::contrastive`).

REFERENCE.md "Emstremo-style" 7: over the decoder's final-token states, for every pair of examples,
`(2 - cos)^2` when both have the same strategy and `cos^2` otherwise, averaged over the pairs. Written
here as a plain per-pair loop with `torch.nn.functional.cosine_similarity`, independently of the Rust
vectorised form; the gradient with respect to the decoder states comes from torch autograd.

Writes `crates/esc-models/tests/fixtures/emstremo_contrastive.json`: several cases, each with the
right-padded decoder states `[b, t, d]`, the valid lengths, the strategy ids, the loss and its gradient.

Pinned: torch 2.15.0 (scripts/requirements.txt).
Run: `/work/venv/bin/python scripts/emstremo_contrastive_reference.py` (from the repository root).
"""

import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(
    os.path.dirname(__file__), "..", "crates", "esc-models", "tests", "fixtures", "emstremo_contrastive.json"
)


def reference_loss(hidden, lengths, strategies):
    b = hidden.shape[0]
    final = hidden[torch.arange(b), torch.tensor(lengths) - 1]
    total = hidden.new_zeros(())
    pairs = 0
    for i in range(b):
        for j in range(b):
            if i == j:
                continue
            cos = F.cosine_similarity(final[i], final[j], dim=0)
            total = total + ((2.0 - cos) ** 2 if strategies[i] == strategies[j] else cos**2)
            pairs += 1
    return total / pairs


def case(gen, name, lengths, strategies, t=5, d=8):
    b = len(lengths)
    hidden = torch.randn(b, t, d, generator=gen, dtype=torch.float64)
    hidden.requires_grad_(True)
    loss = reference_loss(hidden, lengths, strategies)
    loss.backward()
    return {
        "name": name,
        "shape": [b, t, d],
        "hidden": [round(x, 10) for x in hidden.detach().flatten().tolist()],
        "lengths": lengths,
        "strategies": strategies,
        "loss": loss.item(),
        "grad": [round(x, 10) for x in hidden.grad.flatten().tolist()],
    }


def main():
    gen = torch.Generator().manual_seed(7)
    cases = [
        case(gen, "mixed groups", [5, 3, 1, 4, 2, 5], [0, 3, 0, 7, 3, 0]),
        case(gen, "all the same strategy", [2, 5, 4], [5, 5, 5]),
        case(gen, "all different", [1, 2, 3, 4], [0, 1, 2, 3]),
    ]
    with open(OUT, "w") as f:
        f.write('{"torch": %s, "cases": [\n' % json.dumps(torch.__version__))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
