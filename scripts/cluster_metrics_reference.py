"""Reference values of the cluster metrics of `src/analysis/cluster_metrics.rs`.

Writes tests/fixtures/analysis/cluster_metrics.json: point sets (float32 values, so Rust reads the
same numbers) with labelings, and scikit-learn's `silhouette_score` (Euclidean) and
`adjusted_rand_score` of them. Run with the venv of scripts/requirements.txt:

    /work/venv/bin/python scripts/cluster_metrics_reference.py
"""

import json
import pathlib

import numpy as np
import sklearn
from sklearn.metrics import adjusted_rand_score, silhouette_score

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/analysis/cluster_metrics.json"


def case(name, points, labelings, rng):
    points = np.asarray(points, dtype=np.float32)
    entry = {"name": name, "points": points.tolist(), "labelings": [], "ari": []}
    for labels in labelings:
        labels = [int(x) for x in labels]
        entry["labelings"].append(
            {
                "labels": labels,
                "silhouette": float(silhouette_score(points.astype(np.float64), labels, metric="euclidean")),
            }
        )
    for i in range(len(labelings)):
        for j in range(len(labelings)):
            entry["ari"].append(
                {"a": i, "b": j, "value": float(adjusted_rand_score(labelings[i], labelings[j]))}
            )
    return entry


def main():
    rng = np.random.default_rng(8)
    cases = []
    # Three separated blobs in 6-D; the true labels, a noisy copy and a coarser partition.
    centres = rng.normal(0, 6, size=(3, 6))
    truth = np.repeat([0, 1, 2], 15)
    blobs = centres[truth] + rng.normal(0, 1, size=(45, 6))
    noisy = truth.copy()
    flip = rng.choice(45, size=8, replace=False)
    noisy[flip] = rng.integers(0, 3, size=8)
    coarse = np.where(truth == 2, 1, truth) * 5 + 3  # non-contiguous label values
    cases.append(case("blobs", blobs, [truth, noisy, coarse], rng))
    # Random points, 8 random classes with one singleton cluster (silhouette 0 convention).
    pts = rng.normal(0, 1, size=(80, 16))
    a = rng.integers(0, 7, size=80)
    a[17] = 7
    b = rng.integers(0, 8, size=80)
    cases.append(case("random", pts, [a, b], rng))
    # Duplicate points (zero distances) and two clusters.
    dup = np.array([[1.0, 2.0]] * 4 + [[3.0, -1.0]] * 3 + [[1.0, 2.0]])
    cases.append(case("duplicates", dup, [[0, 0, 0, 0, 1, 1, 1, 1], [0, 1, 0, 1, 0, 1, 0, 1]], rng))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"sklearn": sklearn.__version__, "cases": cases}) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
