#!/usr/bin/env bash
# Instruction counts (valgrind --tool=callgrind) of two ydnn binaries on short
# Paddle-recipe runs: an A/B comparison that does not depend on how busy the
# machine is (Swift's hash seed is fixed, so repeated runs give the same
# counts). Also checks the two print the same results (timings aside).
#
#   bash benchmarks/callgrind_ab.sh OLD_BIN NEW_BIN
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1; new=$2
tmp=$(mktemp -d)
printf "| recipe | old Ir | new Ir | change | same output |\n|---|---|---|---|---|\n"
for recipe in benchmarks/recipes/callgrind_paddle_samples.ydnn benchmarks/recipes/callgrind_paddle_train.ydnn; do
    for which in old new; do
        SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file="$tmp/$which.cg" "${!which}" run "$recipe" --no-log \
            > "$tmp/$which.out" 2> "$tmp/$which.err"
        grep -Eo "Collected : [0-9]+" "$tmp/$which.err" | awk '{ print $3 }' > "$tmp/$which.ir"
        grep -Ev "samples/s|[0-9]s$|qps|\([0-9.]+ s\)" "$tmp/$which.out" > "$tmp/$which.cmp" || true
    done
    a=$(cat "$tmp/old.ir"); b=$(cat "$tmp/new.ir")
    same=$(cmp -s "$tmp/old.cmp" "$tmp/new.cmp" && echo yes || echo NO)
    printf "| %s | %s | %s | %+.2f%% | %s |\n" "$(basename "$recipe")" "$a" "$b" "$(echo "($b - $a) * 100 / $a" | bc -l)" "$same"
done
rm -rf "$tmp"
