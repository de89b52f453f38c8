#!/usr/bin/env python3
"""Reference values for `esc-metrics` (nltk 3.10.4, scikit-learn 1.9.1, numpy).

Writes the committed parity fixtures of `crates/esc-metrics/tests/fixtures/`:

- `metrics_reference.json`: metric values on hypothesis/reference pairs built from
  the shared ESConv valid and test splits (hyp = supporter turn i, ref = the next
  supporter turn of the same dialog, whitespace-normalised; a two-reference variant
  adds the turn after that), every nltk BLEU smoothing method (corpus and sentence
  level), both Distinct-n variants, ROUGE-L, unigram F1, length, a synthetic strategy
  classification case (sklearn) and a synthetic perplexity case.
- `tokenize_{valid,test}.txt`: for every utterance of the split, in file order, the
  FNV-1a 64 hash of `"\\x1f".join(nltk.word_tokenize(text.lower()))` and of
  `"\\x1f".join(nltk.word_tokenize(text))`, as hex. No ESConv text is written.
- `tokenize_cases.json`: hand-written and seeded random strings (our own text) with
  their nltk tokens.

The metric definitions follow `shared/docs/REFERENCE.md` ("Metrics"): the ESC
evaluation lineage (`metric/myMetrics.py` of the ESConv authors' code) re-stated
here, not copied. Usage:

    /work/venv/bin/python scripts/metrics_reference.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import sys
from collections import Counter
from pathlib import Path

import nltk
import numpy as np
import sklearn
from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu, sentence_bleu
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    top_k_accuracy_score,
)

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "crates" / "esc-metrics" / "tests" / "fixtures"
# Every `SENTENCE_STRIDE`-th pair gets its per-pair values written.
SENTENCE_STRIDE = 25
METHODS = [f"method{i}" for i in range(8)]


def find_data(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    for parent in [Path.cwd(), *Path.cwd().parents]:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    sys.exit("shared/data not found; pass --data")


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def token_hash(tokens: list[str]) -> str:
    return f"{fnv1a64(chr(0x1F).join(tokens).encode('utf-8')):016x}"


def norm(text: str) -> str:
    return " ".join(text.split())


def read_dialogs(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def build_pairs(dialogs: list[dict], n_refs: int) -> list[tuple[str, list[str]]]:
    """(hyp, refs): supporter turn i against the next `n_refs` supporter turns."""
    pairs = []
    for d in dialogs:
        sys_turns = [norm(t["text"]) for t in d["dialog"] if t["speaker"] == "sys"]
        for i in range(len(sys_turns) - 1):
            pairs.append((sys_turns[i], sys_turns[i + 1 : i + 1 + n_refs]))
    return pairs


# --- the ESC metric definitions (REFERENCE.md "Metrics") --------------------------


def lcs_len(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b):
            cur[j + 1] = prev[j] + 1 if x == y else max(prev[j + 1], cur[j])
        prev = cur
    return prev[-1]


def esc_unigram_f1(hyp: list[str], refs: list[list[str]]) -> float:
    best = []
    for ref in refs:
        overlap = sum((Counter(hyp) & Counter(ref)).values())
        p = overlap / max(len(hyp), 1e-10)
        r = overlap / max(len(ref), 1e-10)
        best.append(2 * p * r / max(p + r, 1e-10))
    return max(best)


def esc_rouge_l(hyp: list[str], refs: list[list[str]], beta: float = 1.2) -> float:
    precs, recs = [], []
    for ref in refs:
        lcs = lcs_len(ref, hyp)
        precs.append(lcs / max(len(hyp), 1e-10))
        recs.append(lcs / max(len(ref), 1e-10))
    p, r = max(precs), max(recs)
    if p != 0 and r != 0:
        return ((1 + beta**2) * p * r) / float(r + beta**2 * p)
    return 0.0


def distinct(hyps: list[list[str]], k: int, reference_variant: bool) -> float:
    seen, total = set(), 0
    for sen in hyps:
        stop = len(sen) - k if reference_variant else len(sen) - k + 1
        for i in range(0, stop):
            seen.add(tuple(sen[i : i + k]))
            total += 1
    return len(seen) / total if total > 0 else 0.0


def esc_bleu(refs, hyps, k: int, method: str = "method3", esc_weights: bool = True):
    """nltk corpus_bleu; the ESC scripts pass 4 weights ([1/k]*k + zeros)."""
    weights = [1.0 / k] * k + ([0.0] * (4 - k) if esc_weights else [])
    fn = getattr(SmoothingFunction(), method)
    try:
        return corpus_bleu(refs, hyps, weights=weights, smoothing_function=fn)
    except ZeroDivisionError:
        # The ESC scripts catch this and report 0.
        return 0.0


def guarded(fn):
    try:
        return float(fn())
    except (AssertionError, IndexError, ValueError, ZeroDivisionError) as e:
        return {"error": type(e).__name__}


def split_values(dialogs: list[dict]) -> dict:
    out = {}
    for n_refs in (1, 2):
        pairs = build_pairs(dialogs, n_refs)
        hyps = [nltk.word_tokenize(h.lower()) for h, _ in pairs]
        refs = [[nltk.word_tokenize(r.lower()) for r in rs] for _, rs in pairs]
        f1s = [esc_unigram_f1(h, rs) for h, rs in zip(hyps, refs)]
        rls = [esc_rouge_l(h, rs) for h, rs in zip(hyps, refs)]
        entry = {
            "n_pairs": len(pairs),
            # The ESC report (x100, as the reference prints it).
            "report": {
                "length": float(np.mean([len(h) for h in hyps])),
                **{f"dist-{k}": 100 * distinct(hyps, k, True) for k in (1, 2, 3)},
                **{f"dist-{k}-standard": 100 * distinct(hyps, k, False) for k in (1, 2, 3)},
                **{f"bleu-{k}": 100 * esc_bleu(refs, hyps, k) for k in (1, 2, 3, 4)},
                "f1": 100 * float(np.mean(f1s)),
                "rouge-l": 100 * float(np.mean(rls)),
            },
            "f1_every": f1s[::SENTENCE_STRIDE],
            "rouge_l_every": rls[::SENTENCE_STRIDE],
        }
        if n_refs == 1:
            # corpus BLEU for every smoothing method, with the ESC weight shape (4
            # weights) and with nltk's k weights.
            entry["corpus_bleu_esc_weights"] = {
                m: [guarded(lambda k=k, m=m: esc_bleu(refs, hyps, k, m)) for k in (1, 2, 3, 4)]
                for m in METHODS
            }
            entry["corpus_bleu_k_weights"] = {
                m: [
                    guarded(lambda k=k, m=m: esc_bleu(refs, hyps, k, m, esc_weights=False))
                    for k in (1, 2, 3, 4)
                ]
                for m in METHODS
            }
            sentence = {}
            sentence_mean = {}
            for m in METHODS:
                fn = getattr(SmoothingFunction(), m)
                rows = []
                for idx in range(0, len(pairs), SENTENCE_STRIDE):
                    rows.append(
                        [
                            guarded(
                                lambda k=k, idx=idx: sentence_bleu(
                                    refs[idx], hyps[idx], weights=[1.0 / k] * k, smoothing_function=fn
                                )
                            )
                            for k in (1, 2, 3, 4)
                        ]
                    )
                sentence[m] = rows
                if m != "method6":  # method6 fails on most short sentences
                    vals = [sentence_bleu(r, h, smoothing_function=fn) for h, r in zip(hyps, refs)]
                    sentence_mean[m] = float(np.mean(vals))
            entry["sentence_bleu_every"] = sentence
            entry["sentence_bleu4_mean"] = sentence_mean
        out[f"refs{n_refs}"] = entry
    return out


# --- edge cases on token lists ----------------------------------------------------


def edge_cases() -> list[dict]:
    cases = [
        ("empty hypothesis", [], [["a", "b", "c"]]),
        ("empty reference", ["a", "b"], [[]]),
        ("both empty", [], [[]]),
        ("identical", ["the", "cat", "sat", "on", "the", "mat"], [["the", "cat", "sat", "on", "the", "mat"]]),
        ("hyp shorter than 4", ["the", "cat"], [["the", "cat", "sat"]]),
        ("no overlap", ["x", "y", "z", "w"], [["a", "b", "c", "d"]]),
        ("repeated words", ["the"] * 7, [["the", "cat", "is", "on", "the", "mat"], ["there", "is", "a", "cat", "on", "the", "mat"]]),
        (
            "nltk doc example",
            "it is a guide to action which ensures that the military always obeys the commands of the party".split(),
            [
                "it is a guide to action that ensures that the military will forever heed party commands".split(),
                "it is the guiding principle which guarantees the military forces always being under the command of the party".split(),
            ],
        ),
        ("one word", ["hello"], [["hello"], ["hi", "there"]]),
        ("longer than refs", "a b c d e f g h i j".split(), [["a", "b", "c"], "a c e g i".split()]),
    ]
    out = []
    for name, hyp, refs in cases:
        row = {"name": name, "hyp": hyp, "refs": refs, "sentence_bleu": {}}
        for m in METHODS:
            fn = getattr(SmoothingFunction(), m)
            row["sentence_bleu"][m] = [
                guarded(lambda k=k: sentence_bleu(refs, hyp, weights=[1.0 / k] * k, smoothing_function=fn))
                for k in (1, 2, 3, 4)
            ]
        row["unigram_f1"] = esc_unigram_f1(hyp, refs)
        row["rouge_l"] = esc_rouge_l(hyp, refs)
        out.append(row)
    # A small corpus of the cases above (corpus statistics, incl. the empty ones).
    hyps = [c[1] for c in cases]
    refs = [c[2] for c in cases]
    corpus = {
        m: [guarded(lambda k=k, m=m: esc_bleu(refs, hyps, k, m)) for k in (1, 2, 3, 4)] for m in METHODS
    }
    corpus_distinct = {
        "reference": [distinct(hyps, k, True) for k in (1, 2, 3, 4)],
        "standard": [distinct(hyps, k, False) for k in (1, 2, 3, 4)],
    }
    return {"sentences": out, "corpus_bleu_esc_weights": corpus, "corpus_distinct": corpus_distinct}


# --- strategy classification (sklearn) ---------------------------------------------


def classification_case(
    rng: random.Random, n: int, n_classes: int, never_pred: int, gold_absent: list[int], keep_absent: float
) -> dict:
    gold_classes = [c for c in range(n_classes) if c not in gold_absent]
    golds, preds, scores = [], [], []
    for _ in range(n):
        g = rng.choice(gold_classes)
        r = rng.random()
        if r < 0.45:
            p = g
        else:
            p = rng.randrange(n_classes)
        if p == never_pred:
            p = (p + 1) % n_classes
        if p in gold_absent and rng.random() >= keep_absent:
            p = g if g != never_pred else (g + 2) % n_classes
        # Scores rounded to 1/8 so that ties happen (sklearn's tie order matters).
        row = [rng.randrange(0, 9) / 8 for _ in range(n_classes)]
        row[p] = 1.25
        if rng.random() < 0.1:
            row[g] = 1.25  # a tie with the prediction
        golds.append(g)
        preds.append(p)
        scores.append(row)
    labels_all = list(range(n_classes))
    out = {"n_classes": n_classes, "golds": golds, "preds": preds, "scores": scores}
    out["accuracy"] = float(accuracy_score(golds, preds))
    for name, labels in (("present", None), ("all", labels_all)):
        res = {}
        for zd_name, zd in (("zero", 0.0), ("one", 1.0), ("warn", "warn")):
            block = {}
            for avg in ("macro", "micro", "weighted"):
                p, r, f, _ = precision_recall_fscore_support(
                    golds, preds, labels=labels, average=avg, zero_division=zd
                )
                block[avg] = {"precision": float(p), "recall": float(r), "f1": float(f)}
            p, r, f, s = precision_recall_fscore_support(golds, preds, labels=labels, average=None, zero_division=zd)
            block["per_class"] = {
                "labels": [int(x) for x in (labels if labels is not None else sorted(set(golds) | set(preds)))],
                "precision": [float(x) for x in p],
                "recall": [float(x) for x in r],
                "f1": [float(x) for x in f],
                "support": [int(x) for x in s],
            }
            res[zd_name] = block
        res["f1_macro_default"] = float(f1_score(golds, preds, labels=labels, average="macro"))
        out[name] = res
    out["confusion_matrix"] = confusion_matrix(golds, preds, labels=labels_all).tolist()
    out["top_k"] = {
        str(k): float(top_k_accuracy_score(golds, np.array(scores), k=k, labels=labels_all)) for k in (1, 2, 3, 5)
    }
    return out


def perplexity_case(rng: random.Random) -> dict:
    nll, counts = [], []
    for _ in range(40):
        c = rng.randrange(1, 30)
        counts.append(c)
        nll.append(sum(rng.uniform(0.5, 5.0) for _ in range(c)))
    return {
        "nll_sums": nll,
        "token_counts": counts,
        "corpus": float(np.exp(np.sum(nll) / np.sum(counts))),
        "sentence_mean": float(np.mean([np.exp(s / c) for s, c in zip(nll, counts)])),
    }


# --- tokenizer cases ---------------------------------------------------------------

HAND_CASES = [
    "Hello. How are you?",
    "hello. how are you",
    "I can't believe it's not butter! Isn't it?",
    "Dr. Smith went to Washington D.C. yesterday. He arrived at 3 p.m. sharp.",
    "They said, \"Don't go.\" So we didn't.",
    "'Tis the season. 'Twas the night.",
    "I wanna go, gonna do it, gotta leave, lemme see, gimme that. Cannot stop.",
    "The U.S. economy grew 3.5% in Q3... Really?! Yes.",
    "Mr. J. Bach played. Then Mrs. Smith sang.",
    "(This is in parens.) And this isn't.",
    "He said \u201chello\u201d and she said \u2018bye\u2019.",
    "\u00abBonjour\u00bb, dit-il. \u201eGut\u201c sagte er.",
    "Wait -- what? No---never.",
    "Price: $3.88, or 3,36 euros; email me@example.com #tag & more*stars*",
    "Line one.\nLine two!\n\nNew paragraph here.",
    "Tabs\tand  multiple   spaces.   End.  ",
    "I'm, you're, we've, they'll, she'd, it's, o'clock, rock 'n' roll.",
    "``Quoted'' text and ''more'' text.",
    "Numbers 1. 2. 3. and items a. b. c. are listed.",
    "e.g. this, i.e. that, etc. and so on.",
    "What?! Really!!! Okay... fine. . . done.",
    "She said: 'yes'. He said: 'no'.",
    "[Bracketed.] {Braced.} <Angled.>",
    "Emoji test \u263a\ufe0f and \U0001F60A here. Caf\u00e9 na\u00efve.",
    "THE END. THE END. The end.",
    "no punctuation at all",
    "",
    "   ",
    ".",
    "...",
    "a.",
    "'",
    "\"",
    "It's 5 o'clock.Time to go.",
    "Sent1.) Sent2.",
    "Is it 'cause I'm here? 'em too.",
    "more'n enough, d'ye know, whaddya want, whatcha doing",
    "He's like ... you know ... weird.",
    "St. Louis is in the U.S.A. It is big.",
    "Call me at 555-1234. Or 555.1234.",
]

FRAGMENTS = [
    "hello", "Hello", "i", "I", "can't", "won't", "it's", "dr.", "Dr.", "mr.", "Mrs.", "u.s.", "U.S.",
    "e.g.", "etc.", "3.5", "1,000", "$5", "50%", "a.m.", "J.", "p.", "no.", "vs.", "st.", "ok",
    "\"", "'", "``", "''", "(", ")", "[", "]", "{", "}", "<", ">", ".", "..", "...", ". . .",
    "?", "!", "?!", ",", ":", ";", "-", "--", "---", "*", "@", "#", "&", "\u2019", "\u2018",
    "\u201c", "\u201d", "\u00ab", "\u00bb", "\u2013", "\u2014", "'s", "'re", "'ll", "n't", "cannot",
    "gonna", "wanna", "'tis", "\u00e9t\u00e9", "na\u00efve", "\u263a\ufe0f", "The", "the", "She",
    "said", "Yes", "yes", "However", "however", "In", "in", "Hi", "Thanks", "thank", "you",
    "\n", "\t", "  ", "A", "B.", "1.", "2.", "iv.", "Inc.", "Corp.", "Jan.", "feb.", "ca.",
]


def random_cases(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randrange(1, 16)):
            parts.append(rng.choice(FRAGMENTS))
            parts.append(rng.choice([" ", " ", " ", "", "\n"]) if rng.random() < 0.9 else "")
        out.append("".join(parts))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", help="shared data folder (default: an ancestor's shared/data)")
    args = ap.parse_args()
    data = find_data(args.data)
    nltk.data.path.insert(0, str(data / "nltk_data"))
    OUT.mkdir(parents=True, exist_ok=True)

    result = {
        "generator": "scripts/metrics_reference.py",
        "versions": {
            "python": platform.python_version(),
            "nltk": nltk.__version__,
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
        },
        "pairs": "hyp = supporter turn i, refs = the next 1 (refs1) or 2 (refs2) supporter turns of the "
        "same dialog; texts whitespace-normalised, lowercased, nltk.word_tokenize",
        "sentence_stride": SENTENCE_STRIDE,
        "splits": {},
    }
    for split in ("valid", "test"):
        dialogs = read_dialogs(data / "esconv" / f"{split}.jsonl")
        result["splits"][split] = split_values(dialogs)
        lines = []
        for d in dialogs:
            for turn in d["dialog"]:
                text = turn["text"]
                lines.append(f"{token_hash(nltk.word_tokenize(text.lower()))} {token_hash(nltk.word_tokenize(text))}")
        (OUT / f"tokenize_{split}.txt").write_text("\n".join(lines) + "\n")
        print(split, "utterances:", len(lines), "report:", json.dumps(result["splits"][split]["refs1"]["report"]))

    rng = random.Random(20240613)
    result["edge_cases"] = edge_cases()
    result["classification"] = [
        classification_case(rng, 400, 8, never_pred=6, gold_absent=[7], keep_absent=0.5),
        classification_case(rng, 150, 8, never_pred=2, gold_absent=[5], keep_absent=0.0),
    ]
    # Make class 5 absent from both golds and predictions in the second case, so that
    # labels="present" and labels=all differ.
    second = result["classification"][1]
    assert 5 not in second["golds"] and 5 not in second["preds"]
    result["perplexity"] = perplexity_case(rng)
    (OUT / "metrics_reference.json").write_text(json.dumps(result, indent=1) + "\n")

    cases = HAND_CASES + random_cases(random.Random(7), 1500)
    tok_cases = [{"text": t, "tokens": nltk.word_tokenize(t), "sentences": nltk.sent_tokenize(t)} for t in cases]
    (OUT / "tokenize_cases.json").write_text(json.dumps(tok_cases, ensure_ascii=False, indent=0) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
