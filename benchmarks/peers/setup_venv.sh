#!/usr/bin/env bash
# Creates benchmarks/.venv with the Python peers (torch CPU, torch-rechub,
# hnswlib, numpy). Idempotent: a second run only checks that they import.
# Nothing in the product or its tests uses this environment.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../.venv"
py="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv"
fi
if "$venv/bin/python" -c 'import torch, torch_rechub, hnswlib, numpy' 2>/dev/null; then
    echo "setup_venv: $venv ready (torch $("$venv/bin/python" -c 'import torch; print(torch.__version__)'))"
    exit 0
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
# torch first and pinned, so torch-rechub's own 'torch' requirement is already
# satisfied and pip does not try to fetch a CUDA build.
"$venv/bin/python" -m pip install "torch==2.13.0+cpu"
"$venv/bin/python" -m pip install -r "$here/requirements.txt"
"$venv/bin/python" -c 'import torch, torch_rechub, hnswlib, numpy; print("setup_venv: ok, torch", torch.__version__)'
