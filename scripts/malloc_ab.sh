#!/usr/bin/env bash
# A/B of glibc malloc settings on a short `train` run: the defaults against settings that keep
# large blocks in the heap (no fresh zeroed mapping for every big tensor). Runs each twice,
# alternating, and prints the training time of each run.
#
#   scripts/malloc_ab.sh TRAIN_BINARY [DATA_DIR] [PRESET]
#
# Time on a quiet machine only (pause other jobs with kill -STOP, resume with kill -CONT).
set -euo pipefail
bin="${1:?usage: scripts/malloc_ab.sh TRAIN_BINARY [DATA_DIR] [PRESET]}"
data="${2:-../shared/data/esconv}"
preset="${3:-mini}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
keep_large=(MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=1073741824)
run() {
  local name="$1"; shift
  env "$@" "$bin" --data "$data" --preset "$preset" --epochs 1 --max-train-examples 960 \
      --max-eval-examples 32 --out "$out/$name" 2>&1 | grep -E "trained in" | sed "s/^/$name: /"
}
for i in 1 2; do
  run "default-$i" LC_ALL=C
  run "keep-large-$i" "${keep_large[@]}"
done
