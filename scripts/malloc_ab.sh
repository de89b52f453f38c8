#!/usr/bin/env bash
# A/B of glibc malloc settings on a short `train` run: glibc's defaults (STAR_ESC_MALLOC_DEFAULTS=1
# turns off the binaries' own setting; no MALLOC_* variable, since setting one also turns off glibc's
# dynamic mmap threshold) against the 1 GiB heap growth the example binaries set themselves
# (`star_core::tune_allocator`). Runs each twice, alternating, and prints the training times.
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
run() {
  local name="$1"; shift
  env "$@" "$bin" --data "$data" --preset "$preset" --epochs 1 --max-train-examples 960 \
      --max-eval-examples 32 --out "$out/$name" 2>&1 | grep -E "trained in" | sed "s/^/$name: /"
}
for i in 1 2; do
  run "glibc-defaults-$i" STAR_ESC_MALLOC_DEFAULTS=1
  run "top-pad-1GiB-$i" LC_ALL=C
done
