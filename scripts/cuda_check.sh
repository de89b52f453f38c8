#!/usr/bin/env bash
# The CUDA checks, and the benchmarks that need a quiet machine, in one run on a lent GPU machine
# (which has Python with torch/transformers but no Rust toolchain).
#
# Build the binaries on a machine with cargo (no GPU or CUDA toolkit needed there):
#     scripts/cuda_check.sh build        # -> .device/bin/ (git-ignored)
# then run, from the repository root on the GPU machine:
#     OUT=/some/dir scripts/cuda_check.sh run
#
# What runs:
# - the parity tests of star-core (STAR vs PyTorch, outputs and gradients, 1e-5) and esc-models
#   (BlenderBot-Small logits vs transformers, greedy generation), on flex, ndarray and cuda;
# - tests/cuda.rs: training on the GPU lowers the loss, its checkpoint reopens on the CPU with
#   the same parameters and logits, evaluation runs on the GPU;
# - scripts/bench_star.py and scripts/bench_bbs.py on two pinned CPU cores (the 2-core setting of
#   BENCHMARKS.md, on an otherwise idle machine), then on the GPU against PyTorch on the GPU.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.device/bin

build() {
    set -e
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/star-esc-cuda-target}"
    # cudarc asks nvcc for the CUDA version at build time; the version can be named instead.
    export CUDARC_CUDA_VERSION="${CUDARC_CUDA_VERSION:-13000}"
    # Our crates optimised too (dependencies already are, in the dev profile).
    export CARGO_PROFILE_DEV_OPT_LEVEL=3
    mkdir -p "$BIN"
    local json
    json=$(cargo test --locked --workspace --features star-esc/cuda --no-run \
        --test parity --test hf_parity --test generation_parity --test cuda \
        --message-format=json)
    cargo build --locked --workspace --features star-esc/cuda \
        --example star_bench_json --example bench_bbs
    for t in parity hf_parity generation_parity cuda; do
        local exe
        exe=$(echo "$json" | grep '"executable":"[^"]*/'"$t"'-[0-9a-f]*"' | tail -1 |
            sed 's/.*"executable":"\([^"]*\)".*/\1/')
        cp "$exe" "$BIN/$t"
    done
    cp "$CARGO_TARGET_DIR/debug/examples/star_bench_json" "$CARGO_TARGET_DIR/debug/examples/bench_bbs" "$BIN/"
    # The tests find their fixtures through the checkout path baked in at build time.
    pwd >"$BIN/checkout"
    ls -la "$BIN"
}

step() {
    local log=$1 name=$2 limit=$3
    shift 3
    echo "== $name" | tee -a "$log"
    local start=$SECONDS
    timeout "$limit" "$@" >>"$log" 2>&1
    local rc=$?
    echo "rc=$rc $name ($((SECONDS - start)) s)" | tee -a "$log" "$OUT/summary.txt"
}

run() {
    OUT=${OUT:-/tmp/cuda-check}
    mkdir -p "$OUT"
    # The test binaries find their fixtures through the path of the checkout they were built in.
    local built_in
    built_in=$(cat $BIN/checkout)
    if [ ! -e "$built_in" ]; then mkdir -p "$(dirname "$built_in")" && ln -s "$PWD" "$built_in"; fi
    export PYTHONUNBUFFERED=1 RAYON_NUM_THREADS=2 RUST_BACKTRACE=1
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/summary.txt"
    lscpu | grep -E "Model name|^CPU\(s\)" | tee -a "$OUT/summary.txt"
    python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)" |
        tee -a "$OUT/summary.txt"

    local tests=$OUT/tests.log
    step "$tests" "star-core parity (flex, ndarray, cuda)" 120 $BIN/parity --nocapture
    step "$tests" "esc-models logit parity" 120 $BIN/hf_parity --nocapture
    step "$tests" "esc-models generation parity" 120 $BIN/generation_parity --nocapture
    step "$OUT/train.log" "training on cuda" 180 $BIN/cuda --nocapture

    step "$OUT/bench_cuda.log" "STAR, GPU" 60 python3 scripts/bench_star.py --reps 15 \
        --rust-bin $BIN/star_bench_json --devices cuda --torch-device cuda
    step "$OUT/bench_cuda.log" "BlenderBot-Small, GPU" 120 python3 scripts/bench_bbs.py small 90m \
        --rust-bin $BIN/bench_bbs --backends cuda --torch-device cuda
    step "$OUT/bench_cpu.log" "STAR, 2 pinned cores" 200 taskset -c 0,1 python3 scripts/bench_star.py \
        --reps 9 --rust-bin $BIN/star_bench_json --devices flex,ndarray
    step "$OUT/bench_cpu.log" "BlenderBot-Small small, 2 pinned cores" 200 taskset -c 0,1 \
        python3 scripts/bench_bbs.py small --rust-bin $BIN/bench_bbs --backends flex,ndarray
}

case "${1:-}" in
    build) build ;;
    run) run ;;
    *) echo "usage: $0 build|run" >&2; exit 2 ;;
esac
