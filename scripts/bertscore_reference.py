#!/usr/bin/env python3
"""bert-score's P/R/F of candidate lines against reference lines, printed like `examples/bertscore.rs`.

Run: `/work/venv/bin/python scripts/bertscore_reference.py MODEL_DIR LAYER CANDIDATES.txt REFERENCES.txt [--idf]`
(pinned: bert-score 0.3.13, transformers 4.57.1). Used to check the Rust BERTScore on a real model by hand.
"""

import sys

import bert_score


def main():
    model, layer, cands, refs = sys.argv[1:5]
    idf = "--idf" in sys.argv[5:]
    with open(cands, encoding="utf-8") as f:
        cands = f.read().split("\n")
    with open(refs, encoding="utf-8") as f:
        refs = f.read().split("\n")
    # `str.lines()` on the Rust side drops a final empty line.
    if cands and cands[-1] == "":
        cands, refs = cands[:-1], refs[:-1]
    p, r, f = bert_score.score(cands, refs, model_type=model, num_layers=int(layer), idf=idf)
    print("pair\tP\tR\tF")
    for i, (a, b, c) in enumerate(zip(p.tolist(), r.tolist(), f.tolist())):
        print(f"{i}\t{a:.6f}\t{b:.6f}\t{c:.6f}")
    print(f"mean\t{p.mean().item():.6f}\t{r.mean().item():.6f}\t{f.mean().item():.6f}")


if __name__ == "__main__":
    main()
