#!/usr/bin/env bash
# Side-by-side benchmarks of ydnn against PyTorch, torch-rechub, numpy and
# hnswlib on the same data; prints one table and writes
# benchmarks/results/latest.{json,md}.
#   bash benchmarks/compare.sh [--epochs 3] [--n 1000000] [--only paddle meanpool ann] [--data PATH]
# The Python peers live in benchmarks/.venv (made by peers/setup_venv.sh); the
# product and its tests never need them. The full run takes about 9 minutes on
# a quiet 2-core machine, most of it the two HNSW builds over one million vectors.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ydnn >/dev/null
swift build -c release --product ydnn-bench >/dev/null
bash benchmarks/peers/setup_venv.sh
exec benchmarks/.venv/bin/python benchmarks/peers/compare.py "$@"
