#!/usr/bin/env bash
# The TorchRec export tests (part of `make test`): installs what is missing
# (scripts/setup-torchrec.sh: the venv with the pinned torch/fbgemm/torchrec triple),
# then runs python/tests_torchrec with pytest against the release binary: forward
# parity of ydnn's weights in the TorchRec network, the exported quickstart trained
# by torchrun on 2 gloo ranks and evaluated back in ydnn, 1 vs 2 ranks.
# 5-9 minutes on 2 shared cores (setup excluded). Prints pytest's closing line.
set -uo pipefail
cd "$(dirname "$0")/.."
export YDNN_BIN=${1:-${YDNN_BIN:-$PWD/.build/release/ydnn}}
export PYTHONDONTWRITEBYTECODE=1
start=$(date +%s)
if ! bash scripts/setup-torchrec.sh; then
    echo "torchrec: 0 passed, 1 failed (scripts/setup-torchrec.sh failed)"
    exit 1
fi
.venv-torchrec/bin/python -m pytest -p no:cacheprovider -q -rfE python/tests_torchrec
status=$?
echo "torchrec tests took $(( $(date +%s) - start )) s (setup included)"
exit $status
