#!/usr/bin/env bash
# For a machine with NVIDIA GPUs: the Paddle recipe exported by ydnn, trained by
# TorchRec with one process per GPU (NCCL; the planner chooses the sharding, tables
# use fused Adam), printing samples/s at 128 and 1,024 samples per GPU per step.
#   bash benchmarks/torchrec/gpu.sh [--data PATH] [--steps 300] [--cuda cu126] [--gpus N]
#   bash benchmarks/torchrec/gpu.sh --cpu --gpus 2 --steps 20    # the same script on CPU/gloo, to check it
# Needs the ydnn binary (make build) and CUDA; installs the CUDA triple
# (torch 2.13.0, fbgemm-gpu 1.8.0, torchrec 1.8.0 from download.pytorch.org/whl/CUDA)
# into .venv-torchrec-cuda. Without --data it uses the built-in generator at a
# larger size (20,000 users, 5,000 items).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
data=""; steps=300; cuda=cu126; gpus=""; cpu=0
while [ $# -gt 0 ]; do
    case "$1" in
        --data) data=$2; shift 2 ;; --steps) steps=$2; shift 2 ;; --cuda) cuda=$2; shift 2 ;; --gpus) gpus=$2; shift 2 ;; --cpu) cpu=1; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
if [ "$cpu" = 1 ]; then
    gpus=${gpus:-2}; venv=$root/.venv-torchrec
    bash scripts/setup-torchrec.sh >/dev/null
else
    command -v nvidia-smi >/dev/null || { echo "gpu.sh: no nvidia-smi: this script is for a GPU machine (--cpu checks it on CPU)" >&2; exit 1; }
    gpus=${gpus:-$(nvidia-smi -L | wc -l)}
    venv=$root/.venv-torchrec-cuda
    YDNN_TORCHREC_VENV=$venv YDNN_TORCHREC_CUDA=$cuda bash scripts/setup-torchrec.sh
    "$venv/bin/python" -c "import torch; assert torch.cuda.is_available(), 'torch sees no GPU'; print(torch.cuda.get_device_name(0))"
fi
swift build -c release --product ydnn >/dev/null
work=$root/benchmarks/work/torchrec_gpu
rm -rf "$work"; mkdir -p "$work"
if [ -n "$data" ]; then load="load auto \"$data\""; else load="generate users=20000 items=5000 categories=40"; fi
sed -n "/^embed /,/^nce /p" examples/paddle_recall.ydnn > "$work/net.ydnn"
cat > "$work/export.ydnn" <<RECIPE
seed 23
$load
vocab min_count=5
split holdout=last
window 5
include "net.ydnn"
export torchrec "$work/bundle" epochs=100 batch=128 optimizer=adam lr=0.001
RECIPE
.build/release/ydnn run "$work/export.ydnn"
echo "| processes ($([ "$cpu" = 1 ] && echo CPU/gloo || echo GPU/NCCL)) | samples per process per step | global batch | steps | samples/s (all processes) | per process |"
echo "|---|---|---|---|---|---|"
for per in 128 1024; do
    YDNN_TORCHREC_VENV=$venv NPROC=$gpus bash "$work/bundle/run.sh" --batch-per-rank "$per" --max-steps "$steps" \
        --log-every "$(( steps / 6 > 0 ? steps / 6 : 1 ))" --no-write --out "$work/m$per" > "$work/run_$per.log" 2>&1 || { tail -30 "$work/run_$per.log"; exit 1; }
    "$venv/bin/python" - "$work/m$per/metrics.jsonl" "$gpus" "$per" "$steps" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
steps = [r for r in rows if r["event"] == "step"][1:]  # the first window includes start-up
rate = sum(r["samples_per_second"] for r in steps) / max(len(steps), 1)
g, per = int(sys.argv[2]), int(sys.argv[3])
print(f"| {g} | {per} | {g * per} | {sys.argv[4]} | {rate:,.0f} | {rate / g:,.0f} |")
PY
done
