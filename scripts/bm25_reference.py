"""BM25 parity fixture: rank_bm25's BM25Okapi scores on a small hand-written corpus.

Writes crates/esc-data/tests/fixtures/bm25/bm25_okapi.json, read by
crates/esc-data/tests/bm25_parity.rs. The corpus is written for this project (not ESConv text)
and has words in more than half of the documents (negative idf, the epsilon floor), repeated
words, punctuation, underscores, digits and a few non-ASCII letters.

Tokenisation, as esc_data::bm25_tokens: re.findall(r"[^\\W_]+", text.lower()).

    /work/venv/bin/python scripts/bm25_reference.py
"""

import json
import re
from importlib.metadata import version
from pathlib import Path

from rank_bm25 import BM25Okapi

CORPUS = [
    "I feel so tired of my job, I can't sleep.",
    "I lost my job last week and I am scared.",
    "My dog died yesterday; I miss him so much.",
    "I'm anxious about the exams next month.",
    "My friends don't call me anymore. I feel alone.",
    "I am worried about money, money, money!",
    "Work is stressful and my boss_yells at me.",
    "I feel alone at night, especially at night.",
    "The pandemic made my café close. I'm sad.",
    "I cannot focus on studying for 2 exams.",
    "My partner left me and I feel heartbroken.",
    "I",
    "",
    "Naïve hope: maybe things get better? I hope so.",
    "Job hunting is hard; every job wants experience.",
    "I feel I feel I feel nothing.",
]

QUERIES = [
    "I lost my job",
    "feel alone at night",
    "money money worries",
    "exams exams exams",
    "café naïve",
    "boss yells",
    "unknown words only",
    "",
    "I I I",
    "my job, my boss and my money",
]

PARAMS = [
    {"k1": 1.2, "b": 0.75, "epsilon": 0.25},  # ours (esc_data::Bm25Params::default)
    {"k1": 1.5, "b": 0.75, "epsilon": 0.25},  # rank_bm25's defaults
    {"k1": 0.9, "b": 0.4, "epsilon": 0.5},
]


def tokens(text):
    return re.findall(r"[^\W_]+", text.lower())


def main():
    corpus_tokens = [tokens(d) for d in CORPUS]
    query_tokens = [tokens(q) for q in QUERIES]
    runs = []
    for p in PARAMS:
        bm = BM25Okapi(corpus_tokens, k1=p["k1"], b=p["b"], epsilon=p["epsilon"])
        runs.append(
            {
                **p,
                "idf": dict(sorted(bm.idf.items())),
                "scores": [[float(s) for s in bm.get_scores(q)] for q in query_tokens],
            }
        )
    out = {
        "generator": "scripts/bm25_reference.py",
        "rank_bm25": version("rank-bm25"),
        "corpus": CORPUS,
        "corpus_tokens": corpus_tokens,
        "queries": QUERIES,
        "query_tokens": query_tokens,
        "runs": runs,
    }
    path = Path(__file__).resolve().parent.parent / "crates/esc-data/tests/fixtures/bm25/bm25_okapi.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
