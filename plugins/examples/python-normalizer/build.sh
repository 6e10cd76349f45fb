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
# The kit is not committed here: it is the one `ascribe plugin new` writes, copied from
# its single source (host/templates/python/ascribe_kit.py).
cp "$here/../../../host/templates/python/ascribe_kit.py" "$here/ascribe_kit.py"
if ! command -v componentize-py >/dev/null 2>&1; then
    echo "build.sh: componentize-py is not installed: pip install componentize-py" >&2
    exit 127
fi
componentize-py -q -d wit -w normalizer-plugin componentize app -o "$out" --stub-wasi
echo "build.sh: wrote $out"
