"""numpy brute force and hnswlib on random unit vectors: the peers of
`ydnn-bench retrieval`.

Vectors: N standard-normal 32-d vectors normalised to unit length (numpy
default_rng seed 0), queries likewise from seed 1. ydnn-bench draws its own
vectors of the same distribution with its own RNG; each side's recall@10 is
measured against its own exact answer, which is fair because the two data
sets are samples of one distribution, not the same points.

Threads: numpy's BLAS is pinned to one thread (the variable must be set before
numpy is imported), hnswlib builds with 2 threads and queries with 1.
Prints one JSON object.
"""
import os
import sys

BLAS_THREADS = "1"
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = BLAS_THREADS

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def unit(rng, n, d):
    x = rng.standard_normal((n, d), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def brute_force(items, queries, k, chunk=100):
    """Exact top-k by inner product: one sgemm per chunk of queries, then a
    partial sort (argpartition) and a sort of the k survivors."""
    out = np.empty((len(queries), k), dtype=np.int64)
    for s in range(0, len(queries), chunk):
        sc = queries[s:s + chunk] @ items.T
        # Partition for the k largest in place of negating the scores: the
        # negation alone copies 400 MB per chunk and tripled the time.
        top = np.argpartition(sc, -k, axis=1)[:, -k:]
        order = np.argsort(-np.take_along_axis(sc, top, axis=1), axis=1)
        out[s:s + chunk] = np.take_along_axis(top, order, axis=1)
    return out


def recall(found, truth):
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--dim", type=int, default=32)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--efc", type=int, default=200)
    ap.add_argument("--ef", type=int, nargs="+", default=[10, 50, 100, 200, 400])
    ap.add_argument("--build-threads", type=int, default=2)
    ap.add_argument("--skip-hnsw", action="store_true")
    a = ap.parse_args()
    k = 10

    items = unit(np.random.default_rng(0), a.n, a.dim)
    queries = unit(np.random.default_rng(1), a.queries, a.dim)
    rows = []

    t = time.perf_counter()
    truth = brute_force(items, queries, k)
    dt = time.perf_counter() - t
    rows.append({"method": "numpy brute force", "params": f"sgemm + argpartition, BLAS threads {BLAS_THREADS}",
                 "build_s": 0.0, "qps": a.queries / dt, "recall@10": 1.0})
    print(json.dumps(rows[-1]), file=sys.stderr, flush=True)

    if not a.skip_hnsw:
        import hnswlib
        index = hnswlib.Index(space="ip", dim=a.dim)
        index.init_index(max_elements=a.n, ef_construction=a.efc, M=a.m, random_seed=100)
        index.set_num_threads(a.build_threads)
        t = time.perf_counter()
        index.add_items(items, np.arange(a.n))
        build = time.perf_counter() - t
        # One thread for queries; knn_query on the whole batch loops in C++,
        # so there is no per-query Python overhead in the rate.
        index.set_num_threads(1)
        for ef in a.ef:
            index.set_ef(ef)
            t = time.perf_counter()
            labels, _ = index.knn_query(queries, k=k)
            dt = time.perf_counter() - t
            rows.append({"method": "hnswlib", "params": f"M={a.m} ef_construction={a.efc} ef={ef}", "ef": ef,
                         "build_s": build, "qps": a.queries / dt, "recall@10": recall(labels, truth)})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)

    from importlib.metadata import version
    print(json.dumps({"tool": "ann_peers", "numpy": np.__version__,
                      "hnswlib": None if a.skip_hnsw else version("hnswlib"),
                      "rows": rows, "settings": vars(a)}))


if __name__ == "__main__":
    main()
