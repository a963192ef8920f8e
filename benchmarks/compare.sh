#!/usr/bin/env bash
# Side-by-side benchmarks of ydnn against PyTorch, torch-rechub, numpy and
# hnswlib on the same data, plus ydnn's scale stages (benchmarks/scale.sh);
# prints one table, with the load average before each run, and writes
# benchmarks/results/latest.{json,md}.
#   bash benchmarks/compare.sh [--epochs 3] [--n 1000000] [--only paddle meanpool ann scale] [--data PATH]
#                              [--reuse-scale] [--scale-args --only clicklog --clicklog-set users=13800]
# The Python peers live in benchmarks/.venv (made by peers/setup_venv.sh); the
# product and its tests never need them. Without scale the run takes about 12
# minutes on a quiet 2-core machine (the HNSW builds over one million vectors
# and the torch-rechub runs dominate); the full-size scale stages add roughly
# 10-20 minutes (not yet measured on a quiet machine).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ydnn >/dev/null
swift build -c release --product ydnn-bench >/dev/null
bash benchmarks/peers/setup_venv.sh
exec benchmarks/.venv/bin/python benchmarks/peers/compare.py "$@"
