#!/usr/bin/env bash
# Runs the speed and memory benchmarks in a release build: `make bench`, or
#   bash benchmarks/run.sh [data|model|retrieval ...] [-- extra args]
# Each suite prints a Markdown table. The full retrieval case (1M x 32, HNSW
# build) takes several minutes; `bash benchmarks/run.sh retrieval -- --n 100000`
# runs a smaller one.
set -euo pipefail
cd "$(dirname "$0")/.."
suites=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do suites+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#suites[@]} -eq 0 ] && suites=(data model retrieval)
swift build -c release --product ydnn-bench >/dev/null
for s in "${suites[@]}"; do
    echo "## $s ($(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
    .build/release/ydnn-bench "$s" "$@"
    echo
done
