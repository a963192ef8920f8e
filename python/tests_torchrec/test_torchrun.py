"""(b) torchrun --standalone --nproc-per-node=2 trains the exported quickstart on the
built-in generator with gloo; the loss falls and the weights come back to ydnn, which
evaluates them beside the native run (the cheap stand-in for the ml-100k-paddle parity
of benchmarks/torchrec/paddle_cpu.sh). (c) 1 and 2 ranks train the same batches with
the same negatives, so they reach the same HR@50 within the seed-to-seed spread."""
import json
import os
import statistics

from conftest import ROOT, metric, metrics, run_ydnn, torchrun


def quickstart_prefix():
    """The quickstart's data statements (through `window`)."""
    lines = open(os.path.join(ROOT, "examples", "quickstart.ydnn")).read().splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("window "))
    return "\n".join(lines[:end + 1]) + "\n"


def test_quickstart_trains_on_two_ranks_and_comes_back(tmp_path):
    tmp = str(tmp_path)
    quickstart = open(os.path.join(ROOT, "examples", "quickstart.ydnn")).read()
    native = run_ydnn(tmp, "native.ydnn", quickstart + f'\nexport torchrec "{tmp}/qs"\n')
    assert "exported to" in native
    out = torchrun(os.path.join(tmp, "qs"), 2, "--log-every", "100")
    assert "rank 0/2" in out and "rank 1/2" in out and "samples/s" in out
    trained = os.path.join(tmp, "qs", "trained")
    m = metrics(trained)
    steps = [r for r in m if r["event"] == "step"]
    epochs = [r for r in m if r["event"] == "epoch"]
    assert len(epochs) == 3 and len(steps[0]["samples_per_second_per_rank"]) == 2
    assert epochs[-1]["loss"] < epochs[0]["loss"] < steps[0]["loss"]
    back = run_ydnn(tmp, "back.ydnn", quickstart_prefix() + f"""load model "{tmp}/qs"
evaluate hr@10 hr@50 label="torchrec"
index hnsw
recall U15 top=10
mine "{tmp}/recs.tsv" top=20
vectors users "{tmp}/u.npy"
""", "--report", os.path.join(tmp, "back.ipynb"))
    assert "3 epochs trained" in back
    hr50, popular = metric(back, "hr@50"), metric(back, "hr@50", column=2)
    native_hr50 = metric(native, "hr@50", occurrence=0)
    print(f"quickstart HR@50: ydnn {native_hr50:.4f}, TorchRec {hr50:.4f}, most-popular {popular:.4f}")
    assert hr50 > popular + 0.05
    # The quickstart's own expectation band for ydnn (examples/quickstart.ydnn: 0.44-0.58), widened by 0.04.
    assert 0.40 <= hr50 <= 0.62
    assert os.path.getsize(os.path.join(tmp, "recs.tsv")) > 0
    assert os.path.getsize(os.path.join(tmp, "back.ipynb")) > 0


def test_one_and_two_ranks_reach_the_same_hr50(tmp_path):
    tmp = str(tmp_path)
    results, losses = {1: [], 2: []}, {1: [], 2: []}
    for seed in (5, 6):
        data = f"""seed {seed}
generate users=600 items=300 categories=12
vocab min_count=3
split holdout=last
window 5
"""
        net = """embed user_id 32
embed categories 8 pool=avg
embed tags 16 pool=avg
lstm items 32 pool=max
dense 64 relu
dense 31 relu
nce negatives=5 noise=frequency
"""
        run_ydnn(tmp, f"export{seed}.ydnn", data + net + f'export torchrec "{tmp}/s{seed}" epochs=2 batch=128\n')
        for ranks in (1, 2):
            torchrun(os.path.join(tmp, f"s{seed}"), ranks, "--out", f"{tmp}/s{seed}/r{ranks}", "--log-every", "1000")
            back = run_ydnn(tmp, f"back{seed}{ranks}.ydnn",
                            data + f'import torchrec "{tmp}/s{seed}" weights="{tmp}/s{seed}/r{ranks}"\nevaluate hr@50\n')
            results[ranks].append(metric(back, "hr@50"))
            losses[ranks].append(json.load(open(f"{tmp}/s{seed}/r{ranks}/weights.json"))["loss_history"])
    print("HR@50 by ranks:", results)
    # Same batches, same negatives, same starting weights: the first steps' losses agree to
    # float rounding (measured: within 2e-6 for 5 steps); later, rounding differences grow
    # as in any two runs, so the end result is compared against the seed-to-seed spread.
    for one, two in zip(losses[1], losses[2]):
        assert len(one) == len(two)
        assert max(abs(a - b) for a, b in zip(one[:5], two[:5])) < 1e-4
    spread = max(max(v) - min(v) for v in results.values())
    assert abs(statistics.mean(results[1]) - statistics.mean(results[2])) <= max(spread, 0.02)
