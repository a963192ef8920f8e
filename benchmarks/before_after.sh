#!/usr/bin/env bash
# Before/after training speed of two ydnn binaries on the benchmark recipes, in
# one run: the runs alternate (old, new, old, new, ...) so load on the machine
# hits both alike. Prints each recipe's samples/s (median over runs, the mean of
# the epochs' rates) and metrics as each binary printed them.
#
#   bash benchmarks/before_after.sh OLD_BIN NEW_BIN [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1; new=$2; runs=${3:-3}
rate() { awk '/^ +[0-9]+ +[0-9.]+ +[0-9]+ +[0-9.]+s$/ { s += $3; n++ } END { if (n) printf "%d", s / n }' "$1"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
printf "| recipe | binary | samples/s (median of %d) | runs | metrics |\n|---|---|---|---|---|\n" "$runs"
for recipe in benchmarks/recipes/paddle_ml100k.ydnn benchmarks/recipes/meanpool_ml100k.ydnn; do
    declare -A rates=()
    for i in $(seq 1 "$runs"); do
        for which in old new; do
            bin=${!which}
            out=$(mktemp)
            "$bin" run "$recipe" --no-log > "$out" 2>&1
            rates[$which]+="$(rate "$out") "
            grep -E "^(hr|ndcg)@[0-9]+ " "$out" | awk '{ printf "%s=%s ", $1, $2 }' > "$out.metrics"
            cp "$out.metrics" "/tmp/before_after.$which.metrics"
            rm -f "$out" "$out.metrics"
        done
    done
    for which in old new; do
        printf "| %s | %s | %s | %s | %s |\n" "$(basename "$recipe")" "$which" \
            "$(echo ${rates[$which]} | tr ' ' '\n' | median)" "${rates[$which]}" "$(cat /tmp/before_after.$which.metrics)"
    done
    unset rates
done
