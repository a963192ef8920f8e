#!/usr/bin/env bash
# The Jupyter tests (part of `make test`): installs what is missing
# (scripts/setup-jupyter.sh: the venv, the kernel package, the kernelspec), then
# runs python/tests with pytest: nbclient executes examples/quickstart.ipynb
# through the installed kernel, jupyter_client drives completion, inspection,
# interrupt and restart, nbformat validates every --report out.ipynb, and
# Chromium screenshots the executed notebook rendered by nbconvert.
#
# The kernelspec is installed with --user under a folder of this checkout
# (JUPYTER_DATA_DIR), so a test run never replaces the one `make jupyter`
# installed for you. Prints pytest's closing line ("N passed, M failed ...").
set -uo pipefail
cd "$(dirname "$0")/.."
export YDNN_BIN=${1:-${YDNN_BIN:-$PWD/.build/release/ydnn}}
export JUPYTER_DATA_DIR=$PWD/.jupyter-test/data
export JUPYTER_CONFIG_DIR=$PWD/.jupyter-test/config
export JUPYTER_RUNTIME_DIR=$PWD/.jupyter-test/runtime
export JUPYTER_PLATFORM_DIRS=1
export PYTHONDONTWRITEBYTECODE=1
start=$(date +%s)
if ! bash scripts/setup-jupyter.sh; then
    echo "jupyter: 0 passed, 1 failed (scripts/setup-jupyter.sh failed)"
    exit 1
fi
.venv-jupyter/bin/python -m pytest -p no:cacheprovider -q -rfE python/tests
status=$?
echo "jupyter tests took $(( $(date +%s) - start )) s (setup included)"
exit $status
