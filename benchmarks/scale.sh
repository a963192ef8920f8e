#!/usr/bin/env bash
# ydnn at scale, every stage timed with its peak resident memory:
#   - clicklog: a MovieLens-20M-shaped generated log (138k users, 27k items,
#     ~20M clicks): generate, vocab, split, window, train 1 epoch, evaluate,
#     index, mine top 100;
#   - catalogue: one million items: sampled softmax training, index,
#     evaluate via=index, mine.
# Writes benchmarks/results/scale.{json,md}. Run it on a quiet machine:
#   bash benchmarks/scale.sh                          # both, full size
#   bash benchmarks/scale.sh --only clicklog --clicklog-set users=13800   # ~2M clicks
#   bash benchmarks/scale.sh --only catalogue --catalogue-set items=100000 users=20000
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ydnn >/dev/null
exec python3 benchmarks/scale.py "$@"
