"""Python's `random` draws that esc-data's `PyRandom` must reproduce.

Writes crates/esc-data/tests/fixtures/python_random.json:
- `shuffle_1300_seed13`: `random.seed(13); random.shuffle(list(range(1300)))`, the shuffle the
  ESConv authors' `_reformat/process.py` applies to the 1,300 dialogs of `ESConv.json`
  before cutting valid = [:195], test = [195:390], train = [390:];
- a few other seeds and sizes, raw `getrandbits` words and `random()` floats (as integers k = x * 2**53);
- `bucket_sampler`: batches of a length-bucketed sampler, written here from the reference's
  `BucketSampler` semantics (shuffle ids, buckets of bucket_size sorted by length descending
  (stable), cut into batches, optional drop_last, shuffle batches) over two consecutive epochs
  drawn from one seeded generator.

Run: /work/venv/bin/python scripts/python_shuffle_fixture.py (Python 3.11; `random` has been
stable since 3.2).
"""

import json
import os
import random
import sys

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "esc-data", "tests", "fixtures",
                   "python_random.json")


def shuffled(n, seed):
    random.seed(seed)
    xs = list(range(n))
    random.shuffle(xs)
    return xs


def bucket_batches(lens, bucket_size, batch_size, drop_last, rng):
    ids = list(range(len(lens)))
    rng.shuffle(ids)
    buckets = []
    for start in range(0, len(ids), bucket_size):
        buckets.append(sorted(ids[start:start + bucket_size], key=lambda i: lens[i], reverse=True))
    batches = []
    for bucket in buckets:
        for start in range(0, len(bucket), batch_size):
            batches.append(bucket[start:start + batch_size])
    if drop_last:
        batches = [b for b in batches if len(b) == batch_size]
    rng.shuffle(batches)
    return batches


def main():
    fixture = {
        "python": sys.version.split()[0],
        "shuffle_1300_seed13": shuffled(1300, 13),
        "shuffles": [{"n": n, "seed": s, "order": shuffled(n, s)}
                     for n, s in [(10, 0), (37, 1), (500, 42), (3000, 2**33 + 5)]],
    }
    random.seed(13)
    fixture["getrandbits_seed13"] = [{"k": k, "value": random.getrandbits(k)}
                                     for k in [32, 1, 7, 31, 33, 48, 64, 64]]
    random.seed(2024)
    # random() returns k / 2**53; store k, an exact integer (JSON floats may not round-trip).
    fixture["random_seed2024_times_2p53"] = [int(random.random() * 2**53) for _ in range(5)]

    rng = random.Random(7)
    lens = [rng.randint(5, 200) for _ in range(1000)]
    cases = []
    for bucket, batch_size, drop_last in [(100, 4, True), (3, 8, False), (2, 16, True)]:
        rng = random.Random(13)
        epochs = [bucket_batches(lens, bucket * batch_size, batch_size, drop_last, rng)
                  for _ in range(2)]
        cases.append({"bucket": bucket, "batch_size": batch_size, "drop_last": drop_last,
                      "seed": 13, "epochs": epochs})
    fixture["bucket_sampler"] = {"lens": lens, "cases": cases}

    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    print(f"wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
