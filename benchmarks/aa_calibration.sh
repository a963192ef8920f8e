#!/usr/bin/env bash
# End-to-end calibration of `compare`: trains real small models in N A/A
# comparisons (benchmarks/recipes/aa_pair.ydnn: same settings, disjoint seeds, each
# pair on its own generated log) and prints how often p < 0.05, with a 95%
# interval (Wilson). A calibrated test says p < 0.05 about 5% of the time.
#
#   bash benchmarks/aa_calibration.sh [N=100] [repeats=3]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
repeats=${2:-3}
bin=${YDNN_BIN:-.build/release/ydnn}
[ -x "$bin" ] || swift build -c release --product ydnn >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for i in $(seq 1 "$n"); do
    "$bin" run benchmarks/recipes/aa_pair.ydnn --no-log --set rep="$i" --set repeats="$repeats" 2>/dev/null | grep "^p " >> "$out"
    if [ $((i % 10)) -eq 0 ]; then echo "  $i/$n comparisons" >&2; fi
done
awk -v n="$n" -v repeats="$repeats" '
function wilson(k, m, z,   p, c, h) { p = k / m; c = (p + z*z/(2*m)) / (1 + z*z/m); h = z / (1 + z*z/m) * sqrt(p*(1-p)/m + z*z/(4*m*m)); return sprintf("%.1f%% .. %.1f%%", 100*(c-h), 100*(c+h)) }
{ m++; for (j = 3; j <= 5; j++) { if ($j != "none" && $j < 0.05) fp[j]++; } any = 0; for (j = 3; j <= 5; j++) if ($j != "none" && $j < 0.05) any = 1; anyfp += any }
END {
  printf "A/A comparisons: %d (repeat=%d per arm, Welch t over runs: disjoint seeds)\n\n", m, repeats
  printf "| metric | p < 0.05 | rate | 95%% CI (Wilson) |\n|---|---|---|---|\n"
  split("hr@10 hr@50 ndcg@10", names, " ")
  for (j = 3; j <= 5; j++) printf "| %s | %d | %.1f%% | %s |\n", names[j-2], fp[j], 100*fp[j]/m, wilson(fp[j], m, 1.96)
  printf "| any of the three | %d | %.1f%% | %s |\n", anyfp, 100*anyfp/m, wilson(anyfp, m, 1.96)
}' "$out"
