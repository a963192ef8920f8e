#!/usr/bin/env bash
# Checks, then runs, every recipe in examples/ with the given ydnn binary, then
# runs every notebook there (.ipynb for the ydnn kernel: `ydnn run` runs its code
# cells in order; `ydnn check` reads recipes only, so notebooks are not checked
# separately: each cell is checked as it runs). With YDNN_EXAMPLE_REPORTS=DIR,
# each run also writes DIR/NAME.ipynb (--report), which the Jupyter tests validate.
set -euo pipefail
bin=${1:-.build/release/ydnn}
status=0
report() {
    if [ -n "${YDNN_EXAMPLE_REPORTS:-}" ]; then echo "--report" "$YDNN_EXAMPLE_REPORTS/$(basename "$1").ipynb"; fi
}
for f in examples/*.ydnn; do
    "$bin" check "$f" || { echo "FAIL check $f"; status=1; continue; }
done
for f in examples/*.ydnn; do
    case "$(basename "$f")" in _*) continue ;; esac   # _name.ydnn: include-only fragments
    echo "== ydnn run $f"
    # shellcheck disable=SC2046
    if "$bin" run "$f" $(report "$f") > "/tmp/ydnn-example-$(basename "$f").out" 2>&1; then
        tail -n 5 "/tmp/ydnn-example-$(basename "$f").out"
    else
        cat "/tmp/ydnn-example-$(basename "$f").out"; echo "FAIL run $f"; status=1
    fi
done
for f in examples/*.ipynb; do
    [ -e "$f" ] || continue
    echo "== ydnn run $f"
    # shellcheck disable=SC2046
    if "$bin" run "$f" $(report "$f") > "/tmp/ydnn-example-$(basename "$f").out" 2>&1; then
        tail -n 5 "/tmp/ydnn-example-$(basename "$f").out"
    else
        cat "/tmp/ydnn-example-$(basename "$f").out"; echo "FAIL run $f"; status=1
    fi
done
exit $status
