"""Times every stage of a scale recipe and samples the process's resident memory.

Called by benchmarks/scale.sh with the system python3 (standard library only).
Each stage ends at the line ydnn prints when that command finishes; its time is
the gap from the end of the previous stage, its peak the largest VmRSS sampled
(every 50 ms) in that gap. Writes benchmarks/results/scale.{json,md}.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))
YDNN = os.path.join(ROOT, ".build", "release", "ydnn")

# (stage, what ends it) in the order the recipes run them.
STAGES = {
    "clicklog": [
        ("generate", r"^loaded generated"), ("vocab", r"^vocab min_count"), ("split", r"^split holdout"),
        ("window (build samples)", r"^samples\s"), ("train 1 epoch", r"^trained "),
        ("evaluate (exact)", r"^hr@50\s"), ("index (hnsw)", r"^index "), ("mine top 100", r"^mined top"),
    ],
    "catalogue": [
        ("generate", r"^loaded generated"), ("vocab", r"^vocab min_count"), ("split", r"^split holdout"),
        ("history (build samples)", r"^samples\s"), ("train 1 epoch (sampled softmax)", r"^trained "),
        ("index (hnsw)", r"^index "), ("evaluate via=index", r"^hr@50\s"), ("mine top 100", r"^mined top"),
    ],
}


def rss_kb(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def run(kind, sets, workdir):
    recipe = os.path.join(ROOT, "benchmarks", "recipes", f"scale_{kind}.ydnn")
    cmd = [YDNN, "run", recipe, "--no-log"] + [x for s in sets for x in ("--set", s)]
    print("$ " + " ".join(cmd), flush=True)
    load = os.getloadavg()[0]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    samples = []  # (t, rss kB)
    done = threading.Event()

    def sample():
        while not done.is_set():
            r = rss_kb(p.pid)
            if r is not None:
                samples.append((time.monotonic() - t0, r))
            time.sleep(0.05)
    th = threading.Thread(target=sample, daemon=True)
    th.start()
    lines = []  # (t, text)
    for line in p.stdout:
        lines.append((time.monotonic() - t0, line.rstrip("\n")))
        print("  " + line.rstrip("\n")[:160], flush=True)
    err = p.stderr.read()
    p.wait()
    done.set()
    th.join()
    if p.returncode != 0:
        sys.exit(f"ydnn failed ({p.returncode}):\n{err[-3000:]}")
    rows, start, k = [], 0.0, 0
    stages = STAGES[kind]
    for t, text in lines:
        if k < len(stages) and re.search(stages[k][1], text):
            # A stage shorter than the sampling period: the last sample before its end.
            peak = max((r for (s, r) in samples if start <= s <= t),
                       default=max(((s, r) for (s, r) in samples if s <= t), default=(0, None))[1])
            rows.append({"stage": stages[k][0], "seconds": t - start, "peak_rss_mb": peak / 1024 if peak else None,
                         "line": text})
            start, k = t, k + 1
    if k < len(stages):
        sys.exit(f"stage '{stages[k][0]}' never ended; output:\n" + "\n".join(x for _, x in lines[-40:]))
    train = next(r for r in rows if r["stage"].startswith("train"))
    rate = [float(m.group(1)) for _, x in lines for m in [re.match(r"^\s*1\s+[-\d.]+\s+(\d+)\s+[\d.]+s\s*$", x)] if m]
    return {"kind": kind, "sets": sets, "load1_before": load, "total_s": lines[-1][0] if lines else 0,
            "peak_rss_mb": max(r for _, r in samples) / 1024 if samples else None, "stages": rows,
            "train_samples_per_s": rate[0] if rate else None,
            "log": [x for _, x in lines if re.match(r"^(loaded|vocab|split|samples|trained|hr@|index|mined|evaluate)", x)],
            "train_line": train["line"]}


def fmt_mb(x):
    return "-" if x is None else f"{x:.0f}"


def markdown(results, started):
    out = [f"# ydnn at scale — {started}", ""]
    for r in results:
        out += [f"## {r['kind']} ({' '.join(r['sets']) or 'recipe defaults'})", "",
                f"1-minute load average before the run: {r['load1_before']:.2f}; total {r['total_s']:.1f} s; "
                f"peak resident {r['peak_rss_mb']:.0f} MB; training {r['train_samples_per_s'] or 0:,.0f} samples/s.", "",
                "| stage | seconds | peak resident MB |", "|---|---|---|"]
        out += [f"| {s['stage']} | {s['seconds']:.1f} | {fmt_mb(s['peak_rss_mb'])} |" for s in r["stages"]]
        out += ["", "What ydnn printed:", "", "```"] + r["log"] + ["```", ""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="+", default=["clicklog", "catalogue"], choices=list(STAGES))
    ap.add_argument("--clicklog-set", nargs="*", default=[], help="recipe variables, e.g. users=13800")
    ap.add_argument("--catalogue-set", nargs="*", default=[], help="recipe variables, e.g. items=100000")
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results"))
    a = ap.parse_args()
    work = os.path.join(ROOT, "benchmarks", "work")
    os.makedirs(work, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results = [run(k, getattr(a, f"{k}_set"), work) for k in a.only]
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "scale.json"), "w") as f:
        json.dump({"date": started, "results": results}, f, indent=2)
    md = markdown(results, started)
    print("\n" + md)
    with open(os.path.join(a.out, "scale.md"), "w") as f:
        f.write(md)


if __name__ == "__main__":
    main()
