#!/usr/bin/env bash
# One set-up step for `--features cuda` without GitHub: burn-cuda 0.22.1 -> cubecl-cuda 0.11.3 ->
# cubecl-llvm, whose build script (through tracel-llvm-bundler 23.1.0-4) would download an LLVM 23
# bundle from GitHub. PyPI's `mlc-llvm-static` (+ `-extra-targets` for NVPTX) ships the same LLVM 23
# as static libraries, headers and an `llvm-config`; this script installs them into a venv outside
# the repository and links them where the bundler looks first. The bundler then skips its download:
#   ${XDG_DATA_HOME:-$HOME/.local/share}/tracel/tracel-llvm-23.1.0-4/{bin,include,lib,share}
#   + the marker file .tracel-llvm-installed
# (tracel-llvm-bundler's build.rs: `if sentinel.exists() { return Ok(()) }`; cubecl-llvm's build
# script then runs `<that folder>/bin/llvm-config --link-static ...`).
#
# Usage: scripts/setup-cuda-llvm.sh [--runtime] [VENV_DIR]
#   VENV_DIR   where the venv goes (default: $HOME/.local/share/star-esc/llvm-venv); keep it
#              outside the repository.
#   --runtime  also install nvidia-cuda-nvcc-cu12 for libdevice.10.bc (exp/log/tanh/erf kernels
#              link against it at run time) and print the CUDA_PATH to use.
# Network: PyPI only (pip). Idempotent: a second run changes nothing.
set -euo pipefail

LLVM_PKG_VERSION=23.1.1.post0
NVCC_PKG_VERSION=12.9.86
BUNDLE_VERSION=23.1.0-4 # tracel-llvm-bundler's version, as locked in Cargo.lock
# cudarc (no nvcc here) would fall back to the newest CUDA API it knows; 12.8 runs on every
# NVIDIA driver from R570 on (CUDA 13 drivers included).
CUDA_API_VERSION=12080

runtime=0
venv=""
for arg in "$@"; do
    case "$arg" in
    --runtime) runtime=1 ;;
    -h | --help)
        sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*)
        echo "unknown option: $arg" >&2
        exit 2
        ;;
    *) venv=$arg ;;
    esac
done
venv=$(realpath -m "${venv:-$HOME/.local/share/star-esc/llvm-venv}")
repo=$(cd "$(dirname "$0")/.." && pwd -P)
case "$venv/" in
"$repo"/*)
    echo "error: put the venv outside the repository ($repo)" >&2
    exit 2
    ;;
esac
mkdir -p "$(dirname "$venv")"

# The bundler version must be the one Cargo.lock builds, or the folder below is never looked at.
locked=$(awk '/^name = "tracel-llvm-bundler"$/ { getline; gsub(/version = |"/, ""); print }' "$repo/Cargo.lock")
if [ -n "$locked" ] && [ "$locked" != "$BUNDLE_VERSION" ]; then
    echo "error: Cargo.lock has tracel-llvm-bundler $locked, this script knows $BUNDLE_VERSION" >&2
    exit 1
fi

say() { echo "setup-cuda-llvm: $*"; }

# 1. The venv and the pinned packages.
if [ -x "$venv/bin/python" ]; then
    say "venv exists: $venv"
else
    python3 -m venv "$venv"
    say "created venv $venv"
fi
py=$venv/bin/python

installed() { # name version -> 0 when exactly that version is installed
    "$py" - "$1" "$2" <<'EOF'
import sys
from importlib import metadata
try:
    sys.exit(0 if metadata.version(sys.argv[1]) == sys.argv[2] else 1)
except metadata.PackageNotFoundError:
    sys.exit(1)
EOF
}

want=(mlc-llvm-static "$LLVM_PKG_VERSION" mlc-llvm-static-extra-targets "$LLVM_PKG_VERSION")
if [ "$runtime" = 1 ]; then
    want+=(nvidia-cuda-nvcc-cu12 "$NVCC_PKG_VERSION")
fi
missing=()
for ((i = 0; i < ${#want[@]}; i += 2)); do
    if installed "${want[i]}" "${want[i + 1]}"; then
        say "installed already: ${want[i]}==${want[i + 1]}"
    else
        missing+=("${want[i]}==${want[i + 1]}")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    say "pip install ${missing[*]}"
    "$py" -m pip install --disable-pip-version-check -q "${missing[@]}"
fi

# 2. Check what the package holds: LLVM 23 with the NVPTX target.
static=$("$py" -c 'import importlib.util as u; print(u.find_spec("mlc_llvm_static").submodule_search_locations[0])')/static
for d in bin include lib share; do
    [ -d "$static/$d" ] || {
        echo "error: $static/$d is missing" >&2
        exit 1
    }
done
llvm_version=$("$static/bin/llvm-config" --version)
case "$llvm_version" in
23.*) ;;
*)
    echo "error: llvm-config says $llvm_version, the bundler needs LLVM 23" >&2
    exit 1
    ;;
esac
if ! "$static/bin/llvm-config" --targets-built | tr ' ' '\n' | grep -qx NVPTX ||
    [ ! -f "$static/lib/libLLVMNVPTXCodeGen.a" ]; then
    echo "error: no NVPTX target in $static (mlc-llvm-static-extra-targets missing?)" >&2
    exit 1
fi
say "LLVM $llvm_version with NVPTX: $static"

# 3. The bundler's folder: the dirs crate's data_local_dir() on Linux.
data=$HOME/.local/share
case "${XDG_DATA_HOME:-}" in /*) data=$XDG_DATA_HOME ;; esac
bundle=$data/tracel/tracel-llvm-$BUNDLE_VERSION
marker=$bundle/.tracel-llvm-installed
downloaded=0
if [ -e "$marker" ]; then
    downloaded=1
    for d in bin include lib share; do
        [ -L "$bundle/$d" ] && downloaded=0
    done
fi
if [ "$downloaded" = 1 ]; then
    say "$bundle already holds a bundle that is not ours (a download?); leaving it as it is"
else
    mkdir -p "$bundle"
    for d in bin include lib share; do
        link=$bundle/$d
        if [ -L "$link" ]; then
            if [ "$(readlink "$link")" = "$static/$d" ]; then
                say "link exists: $link"
                continue
            fi
            ln -sfn "$static/$d" "$link"
            say "relinked $link -> $static/$d"
        elif [ -e "$link" ]; then
            echo "error: $link exists and is no link: remove $bundle and run again" >&2
            exit 1
        else
            ln -s "$static/$d" "$link"
            say "linked $link -> $static/$d"
        fi
    done
    if [ -e "$marker" ]; then
        say "marker exists: $marker"
    else
        # Created last: the bundler skips its download only once the marker is there.
        : >"$marker"
        say "created marker $marker"
    fi
fi

# 4. What to export.
echo
echo "Build (no download: cargo --offline works once the crates are fetched):"
if [ "$data" != "$HOME/.local/share" ]; then
    echo "  export XDG_DATA_HOME=$data"
fi
echo "  export CUDARC_CUDA_VERSION=$CUDA_API_VERSION   # CUDA driver API of the build (no nvcc needed)"
echo "  cargo build --release --locked --workspace --features cuda --example train"
if [ "$runtime" = 1 ]; then
    nvcc_dir=$("$py" -c 'import importlib.util as u, os; print(os.path.join(u.find_spec("nvidia").submodule_search_locations[0], "cuda_nvcc"))')
    libdevice=$nvcc_dir/nvvm/libdevice/libdevice.10.bc
    [ -f "$libdevice" ] || {
        echo "error: $libdevice is missing" >&2
        exit 1
    }
    echo "Run (libdevice for exp/log/tanh/erf; the GPU machine also needs the NVIDIA driver, libcuda.so.1):"
    echo "  export CUDA_PATH=$nvcc_dir"
fi
