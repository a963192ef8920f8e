#!/usr/bin/env bash
# Checks, then runs, every recipe in examples/ with the given ydnn binary.
set -euo pipefail
bin=${1:-.build/release/ydnn}
status=0
for f in examples/*.ydnn; do
    "$bin" check "$f" || { echo "FAIL check $f"; status=1; continue; }
done
for f in examples/*.ydnn; do
    case "$(basename "$f")" in _*) continue ;; esac   # _name.ydnn: include-only fragments
    echo "== ydnn run $f"
    if "$bin" run "$f" > "/tmp/ydnn-example-$(basename "$f").out" 2>&1; then
        tail -n 5 "/tmp/ydnn-example-$(basename "$f").out"
    else
        cat "/tmp/ydnn-example-$(basename "$f").out"; echo "FAIL run $f"; status=1
    fi
done
exit $status
