#!/usr/bin/env python3
"""Reference values for `esc_metrics::classification_report_labels` (scikit-learn 1.9.1,
numpy 2.4.6, as pinned in `scripts/requirements.txt`).

Writes `crates/esc-metrics/tests/fixtures/classification_labels_reference.json`: string-label
classification cases (our own synthetic labels: strategy names outside ESConv's eight such as
"Other", "Greeting", "Affirmation"; unicode labels; a label only in y_pred and one only in y_true;
explicit `labels=` lists with labels that occur nowhere, in unsorted order, or leaving out labels
that occur; a seeded random case), each under every `zero_division` sklearn 1.9 accepts ("warn", 0,
1, np.nan). For each: the label order sklearn uses, `accuracy_score`,
`precision_recall_fscore_support` per label and with average macro / micro / weighted, and
`confusion_matrix(labels=...)`. A case where sklearn raises records {"error": message}.

JSON has no NaN: a NaN score is written as null.

Usage (a virtual environment outside the checkout):

    python3 -m venv /work/venv-sk
    /work/venv-sk/bin/pip install scikit-learn==1.9.1 numpy==2.4.6
    /work/venv-sk/bin/python scripts/classification_labels_reference.py
"""

from __future__ import annotations

import json
import math
import platform
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.utils.multiclass import unique_labels

OUT = Path(__file__).resolve().parent.parent / "crates/esc-metrics/tests/fixtures"

# Our names for sklearn's zero_division settings -> the value passed to sklearn.
ZERO_DIVISION = {"warn": "warn", "0": 0, "1": 1, "nan": np.nan}

ESCONV = [
    "Question",
    "Restatement or Paraphrasing",
    "Reflection of feelings",
    "Self-disclosure",
    "Affirmation and Reassurance",
    "Providing Suggestions",
    "Information",
    "Others",
]


def num(x) -> float | None:
    """A float for JSON; NaN as None (null)."""
    x = float(x)
    return None if math.isnan(x) else x


def prf(y_true, y_pred, labels, average, zd):
    p, r, f, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=average, zero_division=zd
    )
    return {"precision": num(p), "recall": num(r), "f1": num(f)}


def scores(y_true, y_pred, labels, zd) -> dict:
    """Every number of one case under one zero_division setting."""
    try:
        cm = confusion_matrix(y_true, y_pred, labels=labels)
    except ValueError as e:
        return {"error": str(e)}
    order = list(unique_labels(y_true, y_pred)) if labels is None else list(labels)
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=None, zero_division=zd
    )
    out = {
        "labels": [str(x) for x in order],
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "per_label": {
            "precision": [num(x) for x in p],
            "recall": [num(x) for x in r],
            "f1": [num(x) for x in f],
            "support": [int(x) for x in s],
        },
        "macro": prf(y_true, y_pred, labels, "macro", zd),
        "micro": prf(y_true, y_pred, labels, "micro", zd),
        "weighted": prf(y_true, y_pred, labels, "weighted", zd),
        "confusion_matrix": cm.tolist(),
    }
    # classification_report must tell the same story (it calls the same functions).
    rep = classification_report(
        y_true, y_pred, labels=labels, zero_division=zd, output_dict=True
    )
    for i, label in enumerate(order):
        row = rep[str(label)]
        for key, ours in (("precision", p[i]), ("recall", r[i]), ("f1-score", f[i])):
            assert (math.isnan(row[key]) and math.isnan(ours)) or row[key] == ours, (label, key)
    for avg in ("macro", "weighted"):
        row = rep[f"{avg} avg"]
        want = out[avg]
        for key, ours in (("precision", "precision"), ("recall", "recall"), ("f1-score", "f1")):
            got = num(row[key])
            assert got == want[ours] or (got is None and want[ours] is None), (avg, key)
    return out


def case(name: str, y_true: list[str], y_pred: list[str], labels: list[str] | None = None) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "warn" warns about 0/0; the values are what counts
        results = {
            key: scores(y_true, y_pred, labels, zd) for key, zd in ZERO_DIVISION.items()
        }
    return {"name": name, "y_true": y_true, "y_pred": y_pred, "labels": labels, "results": results}


def random_case(seed: int, n: int) -> tuple[list[str], list[str]]:
    """Seeded labels from a pool that mixes ESConv names, others and unicode; some of
    the pool only appear on one side."""
    rng = np.random.default_rng(seed)
    true_pool = ESCONV[:6] + ["Other", "Greeting", "Affirmation", "ça va", "感谢"]
    pred_pool = ESCONV[:5] + ["Other", "Greeting", "Affirmation", "ça va", "Ça va", "🙂"]
    y_true = [true_pool[i] for i in rng.integers(0, len(true_pool), n)]
    y_pred = []
    for t in y_true:
        # Right about half of the time, otherwise a random prediction.
        if rng.random() < 0.5 and t in pred_pool:
            y_pred.append(t)
        else:
            y_pred.append(pred_pool[int(rng.integers(0, len(pred_pool)))])
    return y_true, y_pred


def main() -> None:
    cases = []
    # Labels outside ESConv's eight ("Other" is not "Others"); "Greeting" only in y_true,
    # "Affirmation" only in y_pred.
    y_true = ["Other", "Greeting", "Question", "Other", "Greeting", "Question", "Others", "Other"]
    y_pred = ["Other", "Question", "Question", "Affirmation", "Other", "Question", "Others", "Affirmation"]
    cases.append(case("outside ESConv's eight", y_true, y_pred))
    # Explicit labels: unsorted, with "Empathy" that occurs nowhere, leaving out "Others"
    # and "Affirmation", which occur.
    cases.append(
        case(
            "explicit labels, one absent, some left out",
            y_true,
            y_pred,
            ["Question", "Other", "Empathy", "Greeting"],
        )
    )
    # Explicit labels that include every ESConv strategy (most absent) plus the others.
    cases.append(
        case("ESConv's eight plus others, explicit", y_true, y_pred, ESCONV + ["Other", "Greeting", "Affirmation"])
    )
    # Unicode: sorted by code point (upper case before lower case, accents after ASCII).
    y_true = ["émotion", "Émotion", "感谢", "Привет", "😀", "zeta", "émotion", "ß", "Привет", "a b"]
    y_pred = ["émotion", "émotion", "感谢", "привет", "😀", "Zeta", "Émotion", "ss", "Привет", "a b"]
    cases.append(case("unicode labels", y_true, y_pred))
    cases.append(
        case("unicode labels, explicit with an absent one", y_true, y_pred, ["😀", "Привет", "ünseen", "émotion"])
    )
    # Only one label listed and it is never predicted: precision 0/0 everywhere -> with nan,
    # every precision average is NaN.
    cases.append(case("single listed label never predicted", ["a", "b", "a"], ["b", "b", "b"], ["a"]))
    # Every prediction right, one label: nothing is 0/0.
    cases.append(case("one label, all right", ["Greeting"] * 3, ["Greeting"] * 3))
    # Two labels (sklearn's binary target type; average=None still gives both rows).
    cases.append(case("two labels", ["yes", "no", "no", "yes", "no"], ["yes", "yes", "no", "no", "no"]))
    # Nothing right: every f1 is 0, precision 0/0 for never-predicted labels.
    cases.append(case("nothing right", ["a", "b", "c"], ["b", "c", "d"]))
    # Explicit labels none of which is in y_true: sklearn's confusion_matrix raises.
    cases.append(case("no listed label in y_true", ["a", "b"], ["c", "a"], ["c", "z"]))
    for seed, n in ((7, 60), (2024, 400)):
        y_true, y_pred = random_case(seed, n)
        cases.append(case(f"random seed {seed}, {n} samples", y_true, y_pred))
    y_true, y_pred = random_case(11, 150)
    cases.append(
        case(
            "random, explicit labels with absent ones",
            y_true,
            y_pred,
            ["🙂", "Greeting", "Other", "never", "Question", "感谢", "Ça va", "ça va"],
        )
    )

    out = {
        "generator": "scripts/classification_labels_reference.py",
        "versions": {
            "python": platform.python_version(),
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
        },
        "zero_division": list(ZERO_DIVISION),
        "cases": cases,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "classification_labels_reference.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    print(f"wrote {path}: {len(cases)} cases x {len(ZERO_DIVISION)} zero_division settings")


if __name__ == "__main__":
    main()
