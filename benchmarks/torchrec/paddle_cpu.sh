#!/usr/bin/env bash
# The Paddle recipe (examples/paddle_recall.ydnn) trained natively by ydnn and,
# exported with `export torchrec`, by TorchRec under torchrun on CPU (gloo) with 1
# and 2 ranks; every run's weights are evaluated by ydnn (exact HR@10/HR@50) on the
# same test users. Prints one Markdown table (per run: seed, engine, ranks,
# samples/s, HR@10, HR@50) and the mean ± sd per engine; writes it to
# benchmarks/results/torchrec_paddle.md with --write.
#   bash benchmarks/torchrec/paddle_cpu.sh [--seeds "23 24 25"] [--ranks "1 2"] [--epochs 3] [--data PATH] [--write]
# Takes about 5 minutes per TorchRec run on 2 shared cores (ydnn: seconds); run it
# on a quiet machine for speed figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
seeds="23 24 25"; ranks="1 2"; epochs=3; data=../shared/data/ml-100k-paddle/test.txt; write=0
while [ $# -gt 0 ]; do
    case "$1" in
        --seeds) seeds=$2; shift 2 ;; --ranks) ranks=$2; shift 2 ;; --epochs) epochs=$2; shift 2 ;;
        --data) data=$2; shift 2 ;; --write) write=1; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ -f "$data" ] || { echo "paddle_cpu: no data at $data" >&2; exit 1; }
swift build -c release --product ydnn >/dev/null
bash scripts/setup-torchrec.sh >/dev/null
bin=$root/.build/release/ydnn
work=$root/benchmarks/work/torchrec_paddle
rm -rf "$work"; mkdir -p "$work"
recipe=examples/paddle_recall.ydnn
# The recipe's data and network statements through its `train`, with the seed replaced.
prep() { sed -n "1,/^window /p" "$recipe" | sed "s/^seed .*/seed $1/"; }
net() { sed -n "/^window /,/^train /p" "$recipe" | tail -n +2; }
metric() { grep -E "^$1 " | head -1 | awk '{print $2}'; }
rows=()
for seed in $seeds; do
    { prep "$seed"; net; echo 'evaluate hr@10 hr@50'; echo "export torchrec \"$work/s$seed\""; } > "$work/native_$seed.ydnn"
    out=$("$bin" run "$work/native_$seed.ydnn" --set data="$data" --set min_count=20 --set epochs="$epochs" 2>&1)
    sps=$(echo "$out" | awk '$1 ~ /^[0-9]+$/ && NF == 4 {s += $3; n++} END {if (n) printf "%d", s / n}')
    rows+=("| $seed | ydnn | - | $sps | $(echo "$out" | metric hr@10) | $(echo "$out" | metric hr@50) |")
    echo "${rows[-1]}"
    for r in $ranks; do
        log="$work/torchrec_${seed}_$r.log"
        NPROC=$r bash "$work/s$seed/run.sh" --out "$work/s$seed/trained_$r" --log-every 1000 > "$log" 2>&1
        tsps=$(python3 -c "import json,sys; print(round([json.loads(l) for l in open(sys.argv[1])][-1]['samples_per_second']))" "$work/s$seed/trained_$r/metrics.jsonl")
        { prep "$seed"; echo "import torchrec \"$work/s$seed\" weights=\"$work/s$seed/trained_$r\""; echo 'evaluate hr@10 hr@50'; } > "$work/import_${seed}_$r.ydnn"
        ev=$("$bin" run "$work/import_${seed}_$r.ydnn" --set data="$data" --set min_count=20 2>&1)
        rows+=("| $seed | TorchRec (gloo) | $r | $tsps | $(echo "$ev" | metric hr@10) | $(echo "$ev" | metric hr@50) |")
        echo "${rows[-1]}"
    done
done
summary=$(printf '%s\n' "${rows[@]}" | python3 -c '
import sys, statistics as st
groups = {}
for line in sys.stdin:
    c = [x.strip() for x in line.strip().strip("|").split("|")]
    groups.setdefault((c[1], c[2]), []).append((float(c[3] or 0), float(c[4]), float(c[5])))
for (eng, r), v in groups.items():
    f = lambda i: f"{st.mean(x[i] for x in v):.4f} ± {st.stdev(x[i] for x in v) if len(v) > 1 else 0:.4f}"
    print(f"| {eng} | {r} | {st.mean(x[0] for x in v):.0f} | {f(1)} | {f(2)} | {len(v)} |")
')
report="## Paddle recipe: ydnn vs its TorchRec export (CPU) -- $(date -u +%Y-%m-%d), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)

data $data, min_count 20, $epochs epochs, batch 128; evaluation: ydnn's exact HR@K over every test user (seen items kept).
TorchRec: torch 2.13.0+cpu, torchrec 1.8.0, table-wise sharding, dense Adam lr 0.001, tables fused row-wise Adagrad lr 0.05 (fbgemm has no fused Adam on CPU).

| seed | engine | ranks | samples/s | HR@10 | HR@50 |
|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")

| engine | ranks | samples/s (mean) | HR@10 mean ± sd | HR@50 mean ± sd | runs |
|---|---|---|---|---|---|
$summary"
echo; echo "$report"
if [ "$write" = 1 ]; then echo "$report" > benchmarks/results/torchrec_paddle.md; echo "wrote benchmarks/results/torchrec_paddle.md"; fi
