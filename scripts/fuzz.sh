#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ for a number of executions or a time, whichever comes first,
# and prints a table: target, executions, seconds, edges covered, features, crashes.
#
#   scripts/fuzz.sh                         # every target, 1,000,000 executions or 20 minutes each
#   scripts/fuzz.sh --runs 10000 esconv_jsonl model_config
#   scripts/fuzz.sh --time 60 --jobs 2      # two targets at a time, at most a minute each
#
# Each target starts from its seed corpus: fuzz/seeds/<target>/ (small inputs we wrote) plus the
# repository's own sample data and fixtures (never ESConv text), copied into fuzz/corpus/<target>/;
# fuzz/dicts/<target>.dict is passed as a libFuzzer dictionary when it exists. An input that takes
# longer than 1 s is a hang, one that needs more than 2 GiB a memory blow-up; both count as crashes.
# Crashing inputs are left in fuzz/artifacts/<target>/, the logs in fuzz/logs/<target>.log.
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). The tokenizer_text
# target reads the BlenderBot-Small tokenizer from STAR_ESC_DATA (default ../shared/data).
set -euo pipefail

runs=1000000
time_limit=1200
jobs=1
sanitizer=none
targets=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --time) time_limit="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        --sanitizer) sanitizer="$2"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
fuzz="$root/fuzz"
export STAR_ESC_DATA="${STAR_ESC_DATA:-$root/../shared/data}"
if [[ ${#targets[@]} -eq 0 ]]; then
    mapfile -t targets < <(cd "$fuzz" && cargo +nightly fuzz list)
fi

echo "building ${#targets[@]} targets (sanitizer: $sanitizer, release with debug assertions)"
(cd "$fuzz" && cargo +nightly fuzz build --sanitizer "$sanitizer")

# The seed corpus of one target: committed seeds, then the repository's files that fit it.
seed() {
    local target="$1" corpus="$fuzz/corpus/$1"
    mkdir -p "$corpus"
    [[ -d "$fuzz/seeds/$target" ]] && cp -f "$fuzz/seeds/$target"/* "$corpus"/
    local sample="$root/crates/esc-data/data/sample" bbs="$root/crates/esc-models/tests/fixtures/tiny_bbs"
    case "$target" in
        esconv_jsonl)
            # Whole files and single dialogs.
            cp -f "$sample"/*.jsonl "$corpus"/
            head -n 3 "$sample/train.jsonl" | split -l 1 - "$corpus/dialog-" ;;
        tokenizer_text|metrics_text)
            # Utterances of our sample data, one per file.
            grep -o '"text": "[^"]*"' "$sample/valid.jsonl" | head -n 40 | cut -d'"' -f4 \
                | split -l 1 - "$corpus/utterance-" ;;
        model_config)
            cp -f "$bbs/config.json" "$corpus/tiny_bbs.json"
            cp -f "$root/crates/esc-models/tests/fixtures/tiny_bert/config.json" "$corpus/tiny_bert.json" ;;
        safetensors_weights) cp -f "$bbs/model.safetensors" "$bbs/expected.safetensors" "$corpus"/ ;;
        pytorch_weights) cp -f "$bbs/pytorch_model.bin" "$corpus"/ ;;
    esac
}

# Runs one target and appends its row to the table file.
run_target() {
    local target="$1" log="$fuzz/logs/$1.log" dict=()
    [[ -f "$fuzz/dicts/$target.dict" ]] && dict=("-dict=$fuzz/dicts/$target.dict")
    mkdir -p "$fuzz/artifacts/$target"
    local before after status=0 start=$SECONDS
    before=$(find "$fuzz/artifacts/$target" -type f | wc -l)
    (cd "$fuzz" && cargo +nightly fuzz run --sanitizer "$sanitizer" "$target" "corpus/$target" -- \
        -runs="$runs" -max_total_time="$time_limit" -timeout=1 -rss_limit_mb=2048 \
        -print_final_stats=1 "${dict[@]}") >"$log" 2>&1 || status=$?
    after=$(find "$fuzz/artifacts/$target" -type f | wc -l)
    local execs secs=$((SECONDS - start)) cov ft
    # libFuzzer's final stats; on a crash the last status line has the counts.
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
    [[ -z "$execs" ]] && execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$target" "${execs:-?}" "$secs" "${cov:-?}" \
        "${ft:-?}" "$((after - before))" "$([[ $status -eq 0 ]] && echo ok || echo "exit $status")" \
        >>"$table"
    echo "  $target: ${execs:-?} executions, cov ${cov:-?}, $((after - before)) new crash files (exit $status)"
}

mkdir -p "$fuzz/logs"
table="$(mktemp)"
echo "fuzzing: at most $runs executions or $time_limit s per target, $jobs at a time"
for target in "${targets[@]}"; do
    seed "$target"
done
running=0
for target in "${targets[@]}"; do
    run_target "$target" &
    running=$((running + 1))
    if [[ $running -ge $jobs ]]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true

echo
echo "| Target | Executions | Seconds | Edges (cov) | Features (ft) | New crash files | libFuzzer |"
echo "|---|---:|---:|---:|---:|---:|---|"
sort "$table"
rm -f "$table"
