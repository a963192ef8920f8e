#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, built by swiftc -sanitize=fuzzer) of the
# language and every loader: fuzz/Sources/ydnn-fuzz/Fuzz.swift.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]
#
# Targets: recipe paddle csv movielens model index notebook (default: all).
# `make test` runs 7 s per target; a long run is e.g. `bash scripts/fuzz.sh 3600`.
# Seeds come from examples/, grammar/fixtures/, Tests/, heads of ../shared/data and
# a model and an index written by the release ydnn; what libFuzzer learns is kept
# in .build-fuzz/corpus/TARGET across runs. A crash, trap, hang (> 10 s) or an
# input using more than 3 GB fails the run and is saved as
# .build-fuzz/crashes/TARGET-*; replay it without libFuzzer with
#   .build/release/ydnn-fuzz TARGET .build-fuzz/crashes/TARGET-<hash>
# Prints one line per target (executions, corpus size, findings) and a total.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-7}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(recipe paddle csv movielens model index notebook)
out=.build-fuzz
mkdir -p "$out/crashes"

echo "== building the fuzz targets (libFuzzer; log: $out/build.log)"
if ! swift build -c release --product ydnn-fuzz --build-path "$out" \
      -Xswiftc -sanitize=fuzzer -Xswiftc -DYDNN_FUZZ -Xswiftc -parse-as-library > "$out/build.log" 2>&1; then
    tail -20 "$out/build.log"; echo "fuzz: the build failed"; exit 1
fi
fuzzer="$out/release/ydnn-fuzz"

# Seeds, made afresh each run (nothing of ../shared is committed).
seeds="$out/seeds"; rm -rf "$seeds"; for t in "${targets[@]}"; do mkdir -p "$seeds/$t"; done
shared=../shared/data
cp examples/*.ydnn grammar/fixtures/*/*.ydnn "$seeds/recipe/" 2>/dev/null || true
cp benchmarks/recipes/*.ydnn "$seeds/recipe/" 2>/dev/null || true
head -c 20000 "$shared/ml-100k-paddle/train.txt" > "$seeds/paddle/train.txt" 2>/dev/null || true
printf '\xef\xbb\xbfU1\tP1\tC1\tA:X:t1;B:Y:t2\tiOS\n' > "$seeds/paddle/bom.txt"
printf 'user,item,time,genre,tags,rating\nu1,i1,2024-03-01,Drama,a|b,4\nu1,i2,1709300000,Comedy,b,3.5\n"u,2",i1,2024-03-01T12:30:00,"Dra""ma",,5\n' > "$seeds/csv/events.csv"
if [ -d "$shared/ml-100k" ]; then
    { head -n 200 "$shared/ml-100k/u.data"; echo "==="; head -n 50 "$shared/ml-100k/u.item"; echo "==="; head -n 50 "$shared/ml-100k/u.user"; } \
        > "$seeds/movielens/ml-100k" 2>/dev/null || true
fi
cp examples/quickstart.ipynb "$seeds/notebook/" 2>/dev/null || true
bin=.build/release/ydnn
if [ -x "$bin" ]; then
    tmp=$(mktemp -d)
    printf 'seed 1\ngenerate users=60 items=80 clicks_per_user=8\nvocab min_count=0\nsplit holdout=last\nwindow 3\nembed items 4\nsoftmax full\ntrain epochs=1\nsave model "m.bin"\nindex hnsw\nsave index "h.index"\nindex lsh\nsave index "l.index"\n' > "$tmp/seed.ydnn"
    (cd "$tmp" && "$OLDPWD/$bin" run seed.ydnn --no-log > /dev/null 2>&1) || true
    cp "$tmp/m.bin" "$seeds/model/" 2>/dev/null || true
    cp "$tmp"/*.index "$seeds/index/" 2>/dev/null || true
    rm -rf "$tmp"
fi

status=0
printf '%-10s %12s %8s %s\n' target executions corpus findings
total=0
for t in "${targets[@]}"; do
    mkdir -p "$out/corpus/$t"
    log="$out/$t.log"
    # Swift's own backtracer would take the trap's signal before libFuzzer saves the input.
    SWIFT_BACKTRACE=enable=no YDNN_FUZZ_TARGET=$t "$fuzzer" "$out/corpus/$t" "$seeds/$t" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=3072 -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/crashes/$t-" > "$log" 2>&1
    rc=$?
    runs=$(grep -Eo "stat::number_of_executed_units: *[0-9]+" "$log" | grep -Eo "[0-9]+$" || echo 0)
    corpus=$(ls "$out/corpus/$t" | wc -l)
    findings=$(grep -Ec "^==[0-9]+== ERROR|deadly signal|Fatal error|ALARM: working on the last Unit|out-of-memory" "$log")
    if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
        status=1
        printf '%-10s %12s %8s %s\n' "$t" "${runs:-0}" "$corpus" "FOUND (exit $rc): see $log"
        grep -E "Test unit written to|Fatal error|ERROR" "$log" | head -5
    else
        printf '%-10s %12s %8s %s\n' "$t" "${runs:-0}" "$corpus" "none"
    fi
    total=$((total + ${runs:-0}))
done
echo "fuzz: $total executions over ${#targets[@]} targets in ${seconds}s each; $([ $status -eq 0 ] && echo "no findings" || echo "FINDINGS")"
exit $status
