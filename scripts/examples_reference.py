#!/usr/bin/env python3
"""Reference fixture for esc-data's example building (`build_examples`).

Rebuilds the training examples of the shared ESConv split the way the reference inputters do
(written from their documented behaviour, see REFERENCE.md "Inputs"), tokenizing with
transformers' slow `BlenderbotSmallTokenizer` plus the 8 strategy tokens (ids 54944..54951):

- STAR / KEMI `inputters/strat.py` (layout "star", the default): one example per `sys` turn with
  index > 0; context = previous turns' ids (no strategy tokens); encoder input =
  `sum([c + [eos] for c in context] + [knowledge + [eos]], [])[:-1][-160:]` with empty knowledge;
  labels = `([strat] + response + [eos])[:41]`; decoder input = `[bos] + labels[:-1]`.
- codes_zcj `inputters/strat.py` (layout "zcj"): past `sys` turns carry their strategy token in
  front; encoder input = `sum([c + [eos] for c in context], [])[:-1][-160:]`.

Each utterance goes through `' '.join(text.strip().split())` and `convert_tokens_to_ids(tokenize)`.

Writes crates/esc-data/tests/fixtures/examples_reference.json:
- per split: the number of examples and one 32-bit hash per example (FNV-1a 64 folded to 32 bits
  over the little-endian u32 bytes of `input_ids + [0xFFFFFFFF] + decoder_input_ids +
  [0xFFFFFFFF] + labels`), for "star" on all splits and "zcj" on the test split;
- the first 3 test examples in full for both layouts;
- numpy percentiles (linear) of utterance, encoder-input and label lengths per split (star).

Run: /work/venv/bin/python scripts/examples_reference.py
Pinned: transformers 4.57.1, numpy (see scripts/requirements.txt), Python 3.11.
"""

import json
import os
import struct

import numpy as np
from transformers import AutoTokenizer

STRATEGIES = ["Question", "Restatement or Paraphrasing", "Reflection of feelings", "Self-disclosure",
              "Affirmation and Reassurance", "Providing Suggestions", "Information", "Others"]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("STAR_ESC_DATA", os.path.join(REPO, "..", "shared", "data"))
OUT = os.path.join(REPO, "crates", "esc-data", "tests", "fixtures", "examples_reference.json")
MAX_INPUT, MAX_TARGET = 160, 40
SEP = 0xFFFFFFFF


def h32(ids):
    h = 0xCBF29CE484222325
    for b in b"".join(struct.pack("<I", i) for i in ids):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return (h ^ (h >> 32)) & 0xFFFFFFFF


def norm(s):
    return " ".join(s.strip().split())


def examples(dialog, toker, layout):
    process = lambda x: toker.convert_tokens_to_ids(toker.tokenize(x))
    bos, eos = toker.bos_token_id, toker.eos_token_id
    context, out, utterance_lens = [], [], []
    for i, turn in enumerate(dialog["dialog"]):
        text = process(norm(turn["text"]))
        utterance_lens.append(len(text))
        if turn["speaker"] == "sys":
            strat = process("[" + turn["strategy"] + "]")
            assert len(strat) == 1
            strat = strat[0]
        if i > 0 and turn["speaker"] == "sys":
            segments = [c + [eos] for c in context]
            if layout == "star":
                segments.append([] + [eos])  # the (empty) knowledge segment
            input_ids = sum(segments, [])[:-1]
            full_input = len(input_ids)
            input_ids = input_ids[-MAX_INPUT:]
            labels = ([strat] + text + [eos])[:MAX_TARGET + 1]
            decoder_input_ids = [bos] + labels[:-1]
            out.append({"turn": i, "input_ids": input_ids, "decoder_input_ids": decoder_input_ids,
                        "labels": labels, "full_input": full_input, "full_labels": len(text) + 2})
        if layout == "zcj" and turn["speaker"] == "sys":
            text = [strat] + text
        context.append(text)
    return out, utterance_lens


def percentiles(values):
    v = np.asarray(values)
    return {"count": int(v.size), "mean": float(v.mean()),
            **{f"p{q}": float(np.percentile(v, q)) for q in (50, 90, 95, 99)},
            "max": float(v.max())}


def main():
    toker = AutoTokenizer.from_pretrained(os.path.join(DATA, "blenderbot_small-90M"))
    assert type(toker).__name__ == "BlenderbotSmallTokenizer", type(toker)
    toker.add_tokens([f"[{s}]" for s in STRATEGIES], special_tokens=True)
    assert len(toker) == 54952
    fixture = {"max_input_len": MAX_INPUT, "max_target_len": MAX_TARGET, "splits": {}}
    for split in ["train", "valid", "test"]:
        with open(os.path.join(DATA, "esconv", f"{split}.jsonl"), encoding="utf-8") as f:
            dialogs = [json.loads(line) for line in f if line.strip()]
        entry = {}
        for layout in (["star", "zcj"] if split == "test" else ["star"]):
            exs, utt = [], []
            for d in dialogs:
                e, u = examples(d, toker, layout)
                exs.extend(e)
                utt.extend(u)
            entry[layout] = {
                "count": len(exs),
                "hashes": " ".join(f"{h32(e['input_ids'] + [SEP] + e['decoder_input_ids'] + [SEP] + e['labels']):08x}"
                                   for e in exs),
            }
            if split == "test":
                entry[layout]["first"] = [{k: e[k] for k in ("turn", "input_ids", "decoder_input_ids", "labels")}
                                          for e in exs[:3]]
            if layout == "star":
                entry["lengths"] = {
                    "utterance": percentiles(utt),
                    "context_full": percentiles([e["full_input"] for e in exs]),
                    "input": percentiles([len(e["input_ids"]) for e in exs]),
                    "target_full": percentiles([e["full_labels"] for e in exs]),
                    "target": percentiles([len(e["labels"]) for e in exs]),
                }
        fixture["splits"][split] = entry
        print(split, {k: v["count"] for k, v in entry.items() if k != "lengths"})
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    print(f"wrote {os.path.relpath(OUT, REPO)} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
