#!/usr/bin/env bash
# Compare `ascribe paths` with the Python package ChannelAttribution on the same generated
# path tables, in the same run (issue #10). Creates a virtual env under target/bench-venv
# with ChannelAttribution and matplotlib (which it imports) when missing, then runs
# bench/channelattribution.py.
#
#   bench/channelattribution.sh [SIZES...] [OPTIONS...]     (see channelattribution.py -h)
#
# The binaries and the work dir come from the environment: ASCRIBE (default
# target/release/ascribe), ASCRIBE_GEN (target/release/ascribe-gen), WORKDIR
# (target/bench-data/ca); sizes default to 100000 1000000. The binaries must exist (build
# them first: `cargo xtask plugins && cargo build --release -p ascribe -p ascribe-gen`).
# BENCH_VENV overrides the virtual env's place.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${BENCH_VENV:-$root/target/bench-venv}"
ascribe="${ASCRIBE:-$root/target/release/ascribe}"
gen="${ASCRIBE_GEN:-$root/target/release/ascribe-gen}"
work="${WORKDIR:-$root/target/bench-data/ca}"

for bin in "$ascribe" "$gen"; do
    if [[ ! -x "$bin" ]]; then
        echo "error: $bin does not exist or is not executable; build it first" \
             "(cargo xtask plugins && cargo build --release -p ascribe -p ascribe-gen)" >&2
        exit 1
    fi
done

if ! "$venv/bin/python" -c 'import ChannelAttribution, matplotlib' >/dev/null 2>&1; then
    echo "setting up $venv (ChannelAttribution may compile C++ from source: minutes)" >&2
    if ! command -v python3 >/dev/null; then
        echo "error: python3 not found; it is needed for the ChannelAttribution comparison" >&2
        exit 1
    fi
    if [[ ! -x "$venv/bin/python" ]]; then
        if ! python3 -m venv "$venv"; then
            echo "error: python3 -m venv $venv failed (on Debian: apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
    # Installing is a build (C++ when no wheel fits): keep it out of the way of other work.
    if ! nice -n 19 "$venv/bin/python" -m pip install ChannelAttribution matplotlib; then
        echo "error: could not install ChannelAttribution and matplotlib into $venv" \
             "(see pip's output above); the comparison was not run" >&2
        exit 1
    fi
    if ! "$venv/bin/python" -c 'import ChannelAttribution, matplotlib'; then
        echo "error: ChannelAttribution was installed into $venv but does not import" \
             "(see the traceback above); the comparison was not run" >&2
        exit 1
    fi
fi

exec "$venv/bin/python" "$root/bench/channelattribution.py" "$ascribe" "$gen" "$work" "$@"
