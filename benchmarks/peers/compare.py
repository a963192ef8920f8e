"""Runs ydnn and its Python peers one after another on the same data and prints
one comparison table; writes it to benchmarks/results/latest.{json,md}.

Called by benchmarks/compare.sh (which builds ydnn and the venv first) with the
venv's python, from the repository root. Every run is a separate process, so
no run shares a warm-up, a thread pool or memory with another, and none runs
beside another (the machine has 2 cores; each run gets both).
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
YDNN = os.path.join(ROOT, ".build", "release", "ydnn")
BENCH = os.path.join(ROOT, ".build", "release", "ydnn-bench")
THREADS = 2


def env():
    # Pin every BLAS/OpenMP pool to the same 2 threads; the progress bars of
    # torch-rechub's trainer (tqdm) would only add noise to the logs.
    e = dict(os.environ)
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        e[v] = str(THREADS)
    e["TQDM_DISABLE"] = "1"
    # The OpenBLAS inside numpy falls back to Prescott kernels on the same CPUs where
    # ydnn's does (a CPU that reports only "Intel(R) Xeon(R) Processor"); ydnn then
    # picks its kernels from the CPU flags, so the peers get the same family.
    if PEER_CORETYPE and "OPENBLAS_CORETYPE" not in e:
        e["OPENBLAS_CORETYPE"] = PEER_CORETYPE
    return e


def cpu_kernel_family():
    """SkylakeX with AVX-512 F/DQ/BW/VL, Haswell with AVX2+FMA, else None (as ydnn's BLAS.kernelChoice)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = set(next(l for l in f if l.startswith("flags")).split(":")[1].split())
    except (OSError, StopIteration):
        return None
    if {"avx512f", "avx512dq", "avx512bw", "avx512vl"} <= flags:
        return "SkylakeX"
    return "Haswell" if {"avx2", "fma"} <= flags else None


PEER_CORETYPE = cpu_kernel_family()


# The 1-minute load average before each run: on a shared 2-core machine a
# second busy process halves what a 2-thread run gets (and hurts PyTorch's
# OpenMP barriers more than it hurts ydnn), so the table says how quiet it was.
LOADS = []


def run(cmd, log, reuse=False):
    """Runs cmd from the repository root and keeps its output in log; with
    reuse, reads the output a previous run left in log instead (the table
    says so)."""
    if reuse:
        with open(log) as f:
            out = f.read().split("\n--- stderr ---\n")[0]
        when = datetime.datetime.fromtimestamp(os.path.getmtime(log), datetime.timezone.utc)
        LOADS.append({"run": os.path.basename(log)[:-4], "reused_from": when.strftime("%Y-%m-%d %H:%M UTC")})
        print(f"  reused {os.path.relpath(log, ROOT)} ({when:%H:%M} UTC)", flush=True)
        return out
    print(f"$ {' '.join(cmd)}", flush=True)
    LOADS.append({"run": os.path.basename(log)[:-4], "load1_before": os.getloadavg()[0]})
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, env=env(), capture_output=True, text=True)
    with open(log, "w") as f:
        f.write(p.stdout + "\n--- stderr ---\n" + p.stderr)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    print(f"  done in {time.perf_counter() - t:.0f}s (log: {os.path.relpath(log, ROOT)})", flush=True)
    return p.stdout


def pick(runs):
    """The median samples/s of the runs (all listed) and the metrics of the first
    (every run is seeded)."""
    rates = sorted(r["samples_per_s"] for r in runs)
    first = dict(runs[0])
    first["runs_samples_per_s"] = [r["samples_per_s"] for r in runs]
    first["samples_per_s"] = rates[len(rates) // 2] if len(rates) % 2 else sum(rates[len(rates) // 2 - 1:len(rates) // 2 + 1]) / 2
    return first


def alternate(repeat, ydnn_run, peer_run):
    """Runs ydnn and its peer `repeat` times, alternating, so a change in the
    machine's load falls on both; keeps the median samples/s of each side and
    the metrics of its first run (both sides are seeded)."""
    ys, ps = [], []
    for i in range(repeat):
        ys.append(ydnn_run(i + 1))
        ps.append(peer_run(i + 1))
    return pick(ys), pick(ps)


def last_json(out):
    return json.loads([l for l in out.splitlines() if l.startswith("{")][-1])


def parse_ydnn_run(out):
    """ydnn's epoch table ('epoch loss samples/s time') and metric table."""
    rates = [float(m.group(3)) for m in re.finditer(r"^\s*(\d+)\s+(-?[\d.]+)\s+(\d+)\s+([\d.]+)s\s*$", out, re.M)]
    metrics = {m.group(1): float(m.group(2)) for m in re.finditer(r"^((?:hr|ndcg)@\d+|mrr)\s+([\d.]+)\s+([\d.]+)\s*$", out, re.M)}
    popular = {m.group(1): float(m.group(3)) for m in re.finditer(r"^((?:hr|ndcg)@\d+|mrr)\s+([\d.]+)\s+([\d.]+)\s*$", out, re.M)}
    header = next((l for l in out.splitlines() if l.startswith("evaluate:")), "")
    if not rates or not metrics:
        sys.exit("could not parse ydnn's epoch or metric table:\n" + out)
    # Every epoch trains the same samples, so the overall rate is the harmonic
    # mean of the per-epoch rates.
    return {"samples_per_s": len(rates) / sum(1 / r for r in rates), "epoch_rates": rates,
            "metrics": metrics, "most_popular": popular, "evaluate": header}


def parse_bench_retrieval(out):
    rows = []
    for l in out.splitlines():
        c = [x.strip() for x in l.strip().strip("|").split("|")]
        if len(c) == 6 and c[0] in ("exact (batch)", "exact (one query at a time)", "hnsw"):
            rows.append({"method": c[0], "params": c[1], "build_s": None if c[2] == "-" else float(c[2]),
                         "threads": c[3], "qps": float(c[4]), "recall@10": None if c[5] == "-" else float(c[5])})
    return rows


def qps_at_recall(rows, r):
    """q/s of an HNSW sweep at recall r, interpolated linearly in log(q/s)
    between the two ef settings around r (None outside the sweep)."""
    import math
    pts = sorted((x["recall@10"], x["qps"]) for x in rows)
    for (r0, q0), (r1, q1) in zip(pts, pts[1:]):
        if r0 <= r <= r1 and r1 > r0:
            return math.exp(math.log(q0) + (math.log(q1) - math.log(q0)) * (r - r0) / (r1 - r0))
    return None


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for l in f:
            if l.startswith("model name"):
                cpu = l.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for l in f:
            if l.startswith("MemTotal"):
                mem = f"{int(l.split()[1]) / 1024 / 1024:.0f} GB"
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": mem, "os": platform.platform(),
            "python": platform.python_version(),
            "swift": subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.strip().splitlines()[0]
            if subprocess.run(["which", "swift"], capture_output=True).returncode == 0 else "?",
            "ydnn": subprocess.run([YDNN, "--version"], capture_output=True, text=True).stdout.strip()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/ml-100k-paddle/test.txt")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--n", type=int, default=1_000_000, help="vectors in the ANN comparison")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--only", nargs="+", default=["paddle", "meanpool", "ann", "scale"],
                    choices=["paddle", "meanpool", "ann", "scale"])
    ap.add_argument("--reuse-scale", action="store_true",
                    help="take the scale tables from benchmarks/results/scale.json instead of rerunning them")
    ap.add_argument("--scale-args", nargs="*", default=[],
                    help="passed to benchmarks/scale.py, e.g. --only clicklog --clicklog-set users=13800")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each training comparison (median kept)")
    ap.add_argument("--reuse-ann", action="store_true",
                    help="take the ANN numbers from the logs of the last ANN run instead of rerunning it")
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    logs = os.path.join(ROOT, "benchmarks", "work")
    os.makedirs(logs, exist_ok=True)
    py = sys.executable
    started = datetime.datetime.now(datetime.timezone.utc)
    res = {"date": started.strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(), "pairs": [], "settings": {}}
    S = res["settings"]
    S["common"] = (f"threads {THREADS} everywhere (ydnn `set threads=2`; torch.set_num_threads(2); "
                   f"OMP/OPENBLAS/MKL_NUM_THREADS={THREADS}); runs one after another, never side by side; "
                   f"data {a.data}; per user clicks in file order, last click held out, vocabularies min_count=20 "
                   "over training clicks (Paddle's strict rule), clicks on rare items dropped; every item but "
                   "<unk> scored exactly, seen items not excluded, users whose target is <unk> skipped (both sides); "
                   + (f"OPENBLAS_CORETYPE={PEER_CORETYPE} for the Python peers (the kernel family ydnn picks from "
                      "the CPU flags when OpenBLAS would fall back to Prescott)" if PEER_CORETYPE else
                      "OpenBLAS kernels as OpenBLAS detects them"))

    if "paddle" in a.only:
        y, p = alternate(
            a.repeat,
            lambda i: parse_ydnn_run(run([YDNN, "run", "benchmarks/recipes/paddle_ml100k.ydnn", "--set", f"data={a.data}",
                                          "--set", f"epochs={a.epochs}"], os.path.join(logs, f"paddle_ydnn_{i}.log"))),
            lambda i: last_json(run([py, os.path.join(HERE, "paddle_torch.py"), "--data", a.data, "--epochs", str(a.epochs),
                                     "--threads", str(THREADS)], os.path.join(logs, f"paddle_torch_{i}.log"))))
        res["paddle"] = {"ydnn": y, "pytorch": p}
        S["paddle"] = (f"window 5 (Paddle reader, pad first); user_id 64, province 8, city 16, phone 16; categories 8 "
                       f"and tags 64 avg-pooled; LSTM 64 over 64-d item embeddings, max over time; dense 256 relu, "
                       f"31 relu; NCE 5 negatives per sample from item training frequency; Adam lr 0.001, batch 128, "
                       f"{a.epochs} epochs; samples/s over the training epochs only; median of {a.repeat} runs each, "
                       f"ydnn and PyTorch alternating")
        ok = y["samples_per_s"] >= 3 * p["samples_per_s"] and y["metrics"]["hr@50"] >= p["metrics"]["hr@50"]
        res["pairs"].append({"task": "Paddle recipe, training (ml-100k-paddle)", "ydnn": "ydnn", "peer": f"PyTorch {p['torch']}",
                             "unit": "samples/s", "ydnn_speed": y["samples_per_s"], "peer_speed": p["samples_per_s"],
                             "ydnn_runs": y["runs_samples_per_s"], "peer_runs": p["runs_samples_per_s"],
                             "ydnn_metric": f"HR@10 {y['metrics']['hr@10']:.4f}, HR@50 {y['metrics']['hr@50']:.4f}",
                             "peer_metric": f"HR@10 {p['metrics']['hr@10']:.4f}, HR@50 {p['metrics']['hr@50']:.4f}",
                             "goal": ">= 3x (aim 4x) samples/s at >= HR@50", "met": ok})

    if "meanpool" in a.only:
        with open(os.path.join(ROOT, "benchmarks/recipes/meanpool_ml100k.ydnn")) as f:
            neg = int(re.search(r"^let negatives = (\d+)", f.read(), re.M).group(1))
        recipe = "benchmarks/recipes/meanpool_ml100k.ydnn"

        def ydnn_meanpool(name, *sets):
            def go(i):
                cmd = [YDNN, "run", recipe, "--set", f"data={a.data}"]
                if not any(x.startswith("epochs=") for x in sets):
                    cmd += ["--set", f"epochs={a.epochs}"]
                for s_ in sets:
                    cmd += ["--set", s_]
                return parse_ydnn_run(run(cmd, os.path.join(logs, f"{name}_{i}.log")))
            return go

        def rechub(name, *flags):
            return lambda i: last_json(run([py, os.path.join(HERE, "rechub_youtubednn.py"), "--data", a.data, "--epochs",
                                            str(a.epochs), "--negatives", str(neg), "--threads", str(THREADS), *flags],
                                           os.path.join(logs, f"{name}_{i}.log")))
        # Equal settings: per-sample negatives, BatchNorm in the MLP and the history
        # sharing the item table on both sides (the recipe's defaults).
        y, r = alternate(a.repeat, ydnn_meanpool("meanpool_ydnn", 'per="sample"'), rechub("meanpool_rechub"))
        # torch-rechub without its BatchNorm against ydnn without norm=batch (both share the table).
        yn, rn = alternate(a.repeat, ydnn_meanpool("meanpool_ydnn_nobn", 'per="sample"', 'norm="none"'),
                           rechub("meanpool_rechub_nobn", "--no-batchnorm"))
        # ydnn's network before norm= and shared= existed (plain dense layers, a history table of
        # its own), with per-sample and with shared negatives.
        plain = ('norm="none"', "shared=off", 'init="ydnn"')
        yp = pick([ydnn_meanpool("meanpool_ydnn_plain", 'per="sample"', *plain)(i + 1) for i in range(a.repeat)])
        yb = pick([ydnn_meanpool("meanpool_ydnn_batch", 'per="batch"', *plain)(i + 1) for i in range(a.repeat)])
        # ydnn's own best settings found so far (README): per-sample, plain network, lr 0.003,
        # 5 epochs (HR@50 0.2524 in one run on 2026-12-02).
        best_sets = ('per="sample"', *plain, "lr=0.003", "epochs=5")
        ybest = ydnn_meanpool("meanpool_ydnn_best", *best_sets)(1)
        ybest["runs_samples_per_s"] = [ybest["samples_per_s"]]
        res["meanpool"] = {"ydnn": y, "torch_rechub": r, "ydnn_no_batchnorm": yn, "torch_rechub_no_batchnorm": rn,
                           "ydnn_plain": yp, "ydnn_shared": yb, "ydnn_best": ybest}
        S["meanpool"] = (f"last 50 known clicks mean-pooled (64-d, the pad item 0 left out), the history's item "
                         f"embedding being the output item table (ydnn `pool items avg dim=64 shared=on`, "
                         f"torch-rechub shared_with='item_id'); user_id, province, city, phone 64 each; dense 128 "
                         f"relu, 64 relu, each Linear -> BatchNorm1d -> ReLU (ydnn `norm=batch`: whole-batch "
                         f"statistics in training, running ones at inference); L2-normalised user and item vectors, "
                         f"temperature 0.05; {neg} negatives per sample (ydnn `softmax sampled={neg} per=sample`) "
                         f"drawn from count^0.75, no log-Q correction; Adam lr 0.001 (no weight decay), batch 128, "
                         f"{a.epochs} epochs; hit rates over all 943 test users, the 132 whose target is <unk> "
                         f"counting as misses on both sides; median samples/s of {a.repeat} runs each, alternating; "
                         f"both start every embedding table at N(0, 1e-4) and the Linear layers at PyTorch's default "
                         f"(ydnn `init torch_rechub`). "
                         f"Differences that remain: "
                         f"torch-rechub's Adam updates every row of the tables every step (dense "
                         f"gradients), ydnn's only the rows a batch touched (lazy); torch-rechub draws each sample's "
                         f"negatives once, when the samples are made, ydnn fresh ones every batch, and ydnn leaves "
                         f"out a negative equal to the sample's label; noise weights count^0.75 of all known "
                         f"clicks (torch-rechub) against (label count + 1)^0.75 (ydnn); torch-rechub's DataLoader "
                         f"runs in-process (num_workers=0; its default of 8 would oversubscribe 2 cores). The "
                         f"'without BatchNorm' pair drops norm=batch and the peer's BatchNorm; the 'plain network' "
                         f"rows are ydnn with {', '.join(plain)} (no BatchNorm, a history table of its own, ydnn's initial draws), with "
                         f"per-sample or per-batch ({neg} shared by the batch) negatives; the 'best settings' row "
                         f"changes only {', '.join(best_sets)} (one run)")

        def pair(task, yy, pp, peer, goal, ok):
            return {"task": task, "ydnn": "ydnn", "peer": peer, "unit": "samples/s",
                    "ydnn_speed": yy["samples_per_s"], "peer_speed": pp["samples_per_s"],
                    "ydnn_runs": yy["runs_samples_per_s"], "peer_runs": pp["runs_samples_per_s"],
                    "ydnn_metric": f"HR@10 {yy['metrics']['hr@10']:.4f}, HR@50 {yy['metrics']['hr@50']:.4f}",
                    "peer_metric": f"HR@10 {pp['metrics']['hr@10']:.4f}, HR@50 {pp['metrics']['hr@50']:.4f}",
                    "goal": goal, "met": ok}

        def met(yy, pp):
            return yy["samples_per_s"] >= 5 * pp["samples_per_s"] and yy["metrics"]["hr@50"] >= pp["metrics"]["hr@50"]
        peer = f"torch-rechub {r['torch_rechub']} YoutubeDNN"
        res["pairs"].append(pair("mean-pool, equal settings incl. BatchNorm and shared table (ml-100k-paddle)", y, r, peer,
                                 ">= 5x samples/s at >= HR@50", met(y, r)))
        res["pairs"].append(pair("mean-pool, equal settings without BatchNorm (ydnn norm=none, peer --no-batchnorm)", yn, rn,
                                 peer + " --no-batchnorm", ">= 5x samples/s at >= HR@50", met(yn, rn)))
        res["pairs"].append(pair("mean-pool, ydnn's plain network (no BatchNorm, own history table), per-sample negatives",
                                 yp, r, peer, "-", None))
        res["pairs"].append(pair("mean-pool, ydnn's plain network, shared negatives (per=batch)", yb, r, peer, "-", None))
        res["pairs"].append(pair("mean-pool recipe, ydnn's best settings (" + " ".join(best_sets) + ")", ybest, r, peer,
                                 ">= 5x samples/s at >= HR@50", met(ybest, r)))

    if "scale" in a.only:
        # benchmarks/scale.sh's tables, run here (or reused with --reuse-scale).
        sj = os.path.join(a.out, "scale.json")
        if not a.reuse_scale:
            print("$ python3 benchmarks/scale.py " + " ".join(a.scale_args), flush=True)
            LOADS.append({"run": "scale", "load1_before": os.getloadavg()[0]})
            subprocess.run(["python3", os.path.join(ROOT, "benchmarks", "scale.py"), "--out", a.out] + a.scale_args,
                           cwd=ROOT, check=True)
        with open(sj) as f:
            res["scale"] = json.load(f)

    if "ann" in a.only:
        yb = parse_bench_retrieval(run([BENCH, "retrieval", "--n", str(a.n), "--queries", str(a.queries),
                                        "--threads", str(THREADS), "--skip-lsh"], os.path.join(logs, "ann_ydnn.log"), a.reuse_ann))
        pe = last_json(run([py, os.path.join(HERE, "ann_peers.py"), "--n", str(a.n), "--queries", str(a.queries),
                            "--build-threads", str(THREADS)], os.path.join(logs, "ann_peers.log"), a.reuse_ann))
        res["ann"] = {"ydnn": yb, "peers": pe}
        S["ann"] = (f"{a.n} random unit vectors x 32 and {a.queries} random unit queries, top-10 by inner product; "
                    f"ydnn-bench draws its vectors with its own RNG (seed 0), ann_peers.py with numpy default_rng "
                    f"(seeds 0 and 1): the same distribution, not the same points, and each side's recall@10 is "
                    f"against its own exact answer. Exact: all queries as one batch on 1 thread (numpy: sgemm "
                    f"per 100 queries + argpartition, OpenBLAS 1 thread). HNSW: M=16, ef_construction=200, "
                    f"built with {THREADS} threads, queried on 1 thread (hnswlib: knn_query on the whole batch, "
                    f"so no Python overhead per query), space 'ip'")
        ex = next(x for x in yb if x["method"] == "exact (batch)" and x["threads"] == "1")
        npb = pe["rows"][0]
        res["pairs"].append({"task": f"exact top-10, {a.n // 1000}k x 32, 1 thread", "ydnn": "ydnn ExactIndex",
                             "peer": f"numpy {pe['numpy']} brute force", "unit": "queries/s",
                             "ydnn_speed": ex["qps"], "peer_speed": npb["qps"], "ydnn_metric": "recall@10 1.000",
                             "peer_metric": "recall@10 1.000", "goal": "-", "met": None})
        yh = [x for x in yb if x["method"] == "hnsw"]
        ph = [x for x in pe["rows"] if x["method"] == "hnswlib"]
        yb_build = next(x["build_s"] for x in yh if x["build_s"] is not None)
        res["pairs"].append({"task": f"HNSW build M=16 efc=200, {THREADS} threads", "ydnn": "ydnn HNSWIndex",
                             "peer": f"hnswlib {pe['hnswlib']}", "unit": "1/build s",
                             "ydnn_speed": 1 / yb_build, "peer_speed": 1 / ph[0]["build_s"],
                             "ydnn_metric": f"{yb_build:.1f} s", "peer_metric": f"{ph[0]['build_s']:.1f} s",
                             "goal": "-", "met": None})
        for ef in (100, 200):
            y1 = next(x for x in yh if x["params"].endswith(f"ef={ef}"))
            p1 = next(x for x in ph if x["ef"] == ef)
            res["pairs"].append({"task": f"HNSW query ef={ef}, 1 thread", "ydnn": "ydnn HNSWIndex",
                                 "peer": f"hnswlib {pe['hnswlib']}", "unit": "queries/s",
                                 "ydnn_speed": y1["qps"], "peer_speed": p1["qps"],
                                 "ydnn_metric": f"recall@10 {y1['recall@10']:.3f}",
                                 "peer_metric": f"recall@10 {p1['recall@10']:.3f}", "goal": "-", "met": None})
            q = qps_at_recall(yh, p1["recall@10"])
            if q is not None:
                res["pairs"].append({"task": f"HNSW query at hnswlib's ef={ef} recall, 1 thread", "ydnn": "ydnn HNSWIndex (interpolated)",
                                     "peer": f"hnswlib {pe['hnswlib']}", "unit": "queries/s",
                                     "ydnn_speed": q, "peer_speed": p1["qps"],
                                     "ydnn_metric": f"recall@10 {p1['recall@10']:.3f}",
                                     "peer_metric": f"recall@10 {p1['recall@10']:.3f}",
                                     "goal": ">= 0.8x q/s at equal recall", "met": q >= 0.8 * p1["qps"]})

    for p in res["pairs"]:
        p["ratio"] = p["ydnn_speed"] / p["peer_speed"]
    res["seconds"] = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds()
    res["load"] = LOADS
    md = markdown(res)
    print("\n" + md)
    with open(os.path.join(a.out, "latest.json"), "w") as f:
        json.dump(res, f, indent=2)
    with open(os.path.join(a.out, "latest.md"), "w") as f:
        f.write(md)


def fmt(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def markdown(res):
    m = res["machine"]
    out = [f"# ydnn vs Python peers — {res['date']}", "",
           f"Machine: {m['nproc']} cores, {m['cpu']}, {m['memory']}; {m['os']}; {m['swift']}; {m['ydnn']}; "
           f"Python {m['python']}.", "",
           "| task | ydnn | peer | unit | ydnn | peer | ratio ydnn/peer | ydnn quality | peer quality | goal | met |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for p in res["pairs"]:
        met = "-" if p["met"] is None else ("yes" if p["met"] else "**no**")
        if p["unit"] == "1/build s":
            sp = ("build s", f"{1 / p['ydnn_speed']:.1f}", f"{1 / p['peer_speed']:.1f}")
        elif "ydnn_runs" in p:
            # The median, and the slowest and fastest run in brackets.
            sp = (p["unit"], f"{fmt(p['ydnn_speed'])} ({fmt(min(p['ydnn_runs']))}–{fmt(max(p['ydnn_runs']))})",
                  f"{fmt(p['peer_speed'])} ({fmt(min(p['peer_runs']))}–{fmt(max(p['peer_runs']))})")
        else:
            sp = (p["unit"], fmt(p["ydnn_speed"]), fmt(p["peer_speed"]))
        out.append(f"| {p['task']} | {p['ydnn']} | {p['peer']} | {sp[0]} | {sp[1]} | {sp[2]} | {p['ratio']:.2f}x | "
                   f"{p['ydnn_metric']} | {p['peer_metric']} | {p['goal']} | {met} |")
    out += ["", "Ratios are speed ratios (above 1: ydnn faster; for the build, peer time / ydnn time). Training "
            "speeds are the median of the runs, with the slowest and fastest in brackets; the ratio is of the medians.", "",
            "Settings:", ""]
    out += [f"- **{k}**: {v}" for k, v in res["settings"].items()]
    out += ["", ("1-minute load average before each run (2 cores; it includes the tail of the previous 2-thread run of "
             "this script, so values up to about 2 are this script itself; well above 2, other work competed): ")
            + ", ".join(f"{x['run']} {x['load1_before']:.2f}" if "load1_before" in x
                        else f"{x['run']} (reused from the run of {x['reused_from']})" for x in res["load"]) + ".",
            "", f"Total wall time {res['seconds']:.0f} s. Logs of every run: benchmarks/work/*.log.", ""]
    if "scale" in res:
        for r in res["scale"]["results"]:
            out += [f"## Scale: {r['kind']} ({' '.join(r['sets']) or 'recipe defaults'}; run {res['scale']['date']})", "",
                    f"Load average before: {r['load1_before']:.2f}; total {r['total_s']:.1f} s; peak resident "
                    f"{r['peak_rss_mb']:.0f} MB; training {r['train_samples_per_s'] or 0:,.0f} samples/s.", "",
                    "| stage | seconds | peak resident MB |", "|---|---|---|"]
            out += [f"| {x['stage']} | {x['seconds']:.1f} | "
                    + ("-" if x["peak_rss_mb"] is None else f"{x['peak_rss_mb']:.0f}") + " |" for x in r["stages"]]
            out += [""]
    return "\n".join(out)


if __name__ == "__main__":
    main()
