#!/usr/bin/env bash
# The speed comparisons of BENCHMARKS.md (STAR, BlenderBot-Small) on two pinned cores of an
# otherwise idle machine: for a shared build machine where nothing can be timed quietly.
# The target machine needs Python with torch and transformers, no Rust toolchain.
#
# Build the two benchmark binaries (our crates optimised too) on a machine with cargo:
#     scripts/device_bench.sh build        # -> .device/bin/ (git-ignored)
# then, from the repository root on the quiet machine:
#     OUT=/some/dir scripts/device_bench.sh run
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.device/bin

build() {
    set -e
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/star-esc-ci-target}"
    # The dev profile already optimises the dependencies; this optimises our crates as well.
    export CARGO_PROFILE_DEV_OPT_LEVEL=3
    cargo build --locked --workspace --example star_bench_json --example bench_bbs
    mkdir -p "$BIN"
    cp "$CARGO_TARGET_DIR/debug/examples/star_bench_json" "$CARGO_TARGET_DIR/debug/examples/bench_bbs" "$BIN/"
    git rev-parse HEAD >"$BIN/commit"
    ls -la "$BIN"
}

step() {
    local log=$1 name=$2 limit=$3
    shift 3
    echo "== $name" | tee -a "$log"
    local start=$SECONDS
    timeout "$limit" "$@" >>"$log" 2>&1
    echo "rc=$? $name ($((SECONDS - start)) s)" | tee -a "$log"
}

run() {
    OUT=${OUT:-/tmp/device-bench}
    mkdir -p "$OUT"
    export PYTHONUNBUFFERED=1 RAYON_NUM_THREADS=2
    {
        echo "binaries of commit $(cat $BIN/commit)"
        lscpu | grep -E "Model name|^CPU\(s\)"
        uptime
        python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"
    } | tee "$OUT/machine.txt"
    step "$OUT/bench_star.log" "STAR, cores 0-1" 240 taskset -c 0,1 python3 scripts/bench_star.py \
        --reps 9 --rust-bin $BIN/star_bench_json --devices flex,ndarray
    step "$OUT/bench_bbs.log" "BlenderBot-Small small, cores 0-1" 240 taskset -c 0,1 \
        python3 scripts/bench_bbs.py small --rust-bin $BIN/bench_bbs --backends flex,ndarray
}

case "${1:-}" in
    build) build ;;
    run) run ;;
    *) echo "usage: $0 build|run" >&2; exit 2 ;;
esac
