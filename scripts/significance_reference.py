#!/usr/bin/env python3
"""Reference values for `esc_metrics::significance` (numpy 2.4.6, scipy 1.17.1).

Writes `crates/esc-metrics/tests/fixtures/significance_reference.json`:

- `t_quantiles`: `scipy.stats.t.ppf(p, df)` on a grid of `p` and `df`.
- `intervals`: for a few value lists and levels 0.9 / 0.95 / 0.99, the mean, the
  sample std (`ddof=1`) and `scipy.stats.t.interval(level, n - 1, loc=mean,
  scale=scipy.stats.sem(values))`.
- `quantiles`: `numpy.quantile(sample, q)` for each `q` of a list (method
  "linear", numpy's default), on sorted samples.
- `bootstrap_exact`: for tiny paired samples (system A and B scores per item, the
  metric being the mean), the exact distribution of the bootstrap delta
  `mean(B[idx]) - mean(A[idx])` over all `n^n` equally likely resamples `idx`,
  enumerated with exact fractions, with its shares of deltas `<= 0` and `>= 0`,
  its mean and the two-sided p-value `min(1, 2 min(share<=0, share>=0))`.

Our own synthetic numbers; no data set is read. Usage:

    /work/venv-sig/bin/python scripts/significance_reference.py
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np
import scipy
from scipy import stats

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "crates" / "esc-metrics" / "tests" / "fixtures" / "significance_reference.json"

DFS = [1, 1.5, 2, 2.5, 3, 4, 7, 10, 30, 100, 1000, 1e4, 1e6, 1e8, 1e10]
PS = [0.5, 0.9, 0.975, 0.995, 0.0005, 1e-6, 0.025, 0.05, 0.1, 0.3, 0.75, 0.95, 0.999, 0.9999]
LEVELS = [0.9, 0.95, 0.99]
VALUE_LISTS = [
    [1.0, 2.0],
    [19.23, 24.81, 22.70, 23.17],
    [15.51, 17.20, 17.05, 17.42, 18.04],
    [5.52, 8.58, 8.08, 8.56, 8.22, 8.43, 1.29, 2.71, 2.60, 2.65, 2.53, 2.28],
    [0.001, -0.002, 0.0035],
]
# (A scores, B scores) per item; dyadic values, so every delta is exact in binary
# floating point too and ties at zero are exact.
BOOTSTRAP_CASES = [
    ([0.5, 1.0, 0.0, 2.0], [1.0, 1.0, 0.5, 1.5]),
    ([0.25, 0.75, 0.5, 1.0], [0.5, 0.5, 1.0, 0.75]),
    ([1.0, 2.0, 3.0, 0.0], [3.0, 1.0, 3.0, 0.0]),
]


def t_quantiles() -> list[dict]:
    return [{"p": p, "df": df, "t": float(stats.t.ppf(p, df))} for df in DFS for p in PS]


def intervals() -> list[dict]:
    out = []
    for values in VALUE_LISTS:
        x = np.asarray(values, dtype=np.float64)
        mean = float(np.mean(x))
        sem = float(stats.sem(x))
        for level in LEVELS:
            lo, hi = stats.t.interval(level, len(x) - 1, loc=mean, scale=sem)
            out.append(
                {
                    "values": values,
                    "level": level,
                    "mean": mean,
                    "std": float(np.std(x, ddof=1)),
                    "lo": float(lo),
                    "hi": float(hi),
                }
            )
    return out


def quantiles() -> list[dict]:
    rng = np.random.default_rng(7)
    samples = [
        [3.0],
        [1.0, 2.0],
        sorted(rng.normal(size=11).tolist()),
        sorted(rng.normal(size=200).tolist()),
        sorted(rng.integers(0, 3, size=40).astype(float).tolist()),
    ]
    qs = [0.0, 0.005, 0.025, 0.05, 0.3, 0.5, 0.7, 0.95, 0.975, 0.995, 1.0]
    return [
        {"sample": s, "q": qs, "values": [float(np.quantile(np.asarray(s), q)) for q in qs]} for s in samples
    ]


def bootstrap_exact() -> list[dict]:
    out = []
    for a, b in BOOTSTRAP_CASES:
        n = len(a)
        fa = [Fraction(v) for v in a]
        fb = [Fraction(v) for v in b]
        counts: Counter[Fraction] = Counter()
        for idx in itertools.product(range(n), repeat=n):
            counts[sum(fb[i] - fa[i] for i in idx) / n] += 1
        total = n**n
        le = Fraction(sum(c for d, c in counts.items() if d <= 0), total)
        ge = Fraction(sum(c for d, c in counts.items() if d >= 0), total)
        mean = sum(d * c for d, c in counts.items()) / total
        out.append(
            {
                "a": a,
                "b": b,
                "resamples": total,
                "observed_delta": float(sum(fb) / n - sum(fa) / n),
                "distribution": [[float(d), c / total] for d, c in sorted(counts.items())],
                "share_nonpositive": float(le),
                "share_nonnegative": float(ge),
                "mean_delta": float(mean),
                "p_value": float(min(Fraction(1), 2 * min(le, ge))),
            }
        )
    return out


def main() -> None:
    result = {
        "generator": f"scripts/significance_reference.py, numpy {np.__version__}, scipy {scipy.__version__}",
        "t_quantiles": t_quantiles(),
        "intervals": intervals(),
        "quantiles": quantiles(),
        "bootstrap_exact": bootstrap_exact(),
    }
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    for case in result["bootstrap_exact"]:
        print(case["a"], case["b"], "p =", case["p_value"], "shares", case["share_nonpositive"], case["share_nonnegative"])
    print("wrote", OUT)


if __name__ == "__main__":
    main()
