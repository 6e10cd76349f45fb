#!/usr/bin/env bash
# Runs every fuzz target for a bounded time and prints what ran.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 300 s, every target)
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). On a machine
# shared with other builds: CARGO_BUILD_JOBS=1 nice -n 19 fuzz/run.sh 150. Builds into
# fuzz/target (its own workspace), with debug assertions on, so an integer overflow is a
# finding too. The corpus grows in fuzz/corpus/<target> (seeded from fuzz/seeds/<target>);
# a crash lands in fuzz/artifacts/<target>/ and makes this script exit non-zero. Reproduce
# one with `cargo +nightly fuzz run -a <target> <artifact>`, then turn it into a unit test.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-300}"
shift || true
all=(campaign_parse batch_validate model_output split_units paths_read
     normalize_salesforce normalize_hubspot normalize_ga4 normalize_generic_csv sdk_readers)
targets=("${@:-${all[@]}}")

cargo +nightly fuzz build -a >&2
status=0
printf '%-22s %12s %8s %10s  %s\n' target executions seconds corpus result
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/seeds/$t"
    dict=()
    if [ -f "fuzz/$t.dict" ]; then dict=(-dict="fuzz/$t.dict"); fi
    # fuzz/<target>.options: more libFuzzer flags for one target, one a line.
    if [ -f "fuzz/$t.options" ]; then mapfile -t opts < "fuzz/$t.options"; dict+=("${opts[@]}"); fi
    log="fuzz/target/$t.log"
    if cargo +nightly fuzz run -a "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 \
        "${dict[@]}" >"$log" 2>&1; then
        result=ok
    else
        result="FOUND (see $log, fuzz/artifacts/$t)"
        status=1
    fi
    # A finding stops libFuzzer before its final stats: then the last progress line
    # (`#N ...`) gives the executions, and no duration is printed (`-`). `|| true`: a grep
    # that finds nothing must not end the script (set -e, pipefail) before the row.
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
    if [ -z "$runs" ]; then
        runs=$(grep -oE '^#[0-9]+' "$log" | tr -d '#' | tail -1 || true)
    fi
    took=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE 'in [0-9]+' | grep -oE '[0-9]+' | tail -1 || true)
    size=$(find "fuzz/corpus/$t" -type f | wc -l)
    printf '%-22s %12s %8s %10s  %s\n' "$t" "${runs:-?}" "${took:--}" "$size" "$result"
done
exit $status
