#!/usr/bin/env bash
# Builds the example Python normalizer into a WebAssembly component with componentize-py
# (`pip install componentize-py`), exactly as its README tells a partner to.
#   plugins/examples/python-normalizer/build.sh [OUT.wasm]
# Default OUT: target/examples/webinar-attendees.wasm at the workspace root.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../../target/examples/webinar-attendees.wasm}"
mkdir -p "$(dirname "$out")"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
cd "$here"
# The kit, the glue and the contract are not committed here: they are what
# `ascribe plugin new` writes, copied from their single sources (as `cargo xtask plugins`
# does too).
root="$here/../../.."
cp "$root/host/templates/python/ascribe_kit.py" "$here/ascribe_kit.py"
cp "$root/host/templates/python-normalizer/app.py" "$here/app.py"
cp "$root/host/templates/python-normalizer/normalize.py" "$here/normalize.py"
mkdir -p "$here/wit"
cp "$root/wit/normalizer-0.1.0/normalizer.wit" "$here/wit/normalizer.wit"
if ! command -v componentize-py >/dev/null 2>&1; then
    echo "build.sh: componentize-py is not installed: pip install componentize-py" >&2
    exit 127
fi
componentize-py -q -d wit -w normalizer-plugin componentize app -o "$out" --stub-wasi
echo "build.sh: wrote $out"
