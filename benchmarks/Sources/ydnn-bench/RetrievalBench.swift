// ydnn-bench retrieval [--n N] [--queries Q] [--dim D] [--m M] [--efc EFC] [--threads T] [--skip-hnsw] [--skip-lsh]
//
// The issue's reference case: 1,000,000 random unit vectors of 32 dims (seed 0),
// 1,000 random unit queries, top-10 by inner product. Faiss IndexFlatIP took 9.0 s
// for the exact queries on one thread; hnswlib (M=16, ef_construction=200) built in
// 232 s on 2 threads and answered 2,700 q/s at recall@10 0.915 (ef=200) and
// 5,200 q/s at 0.787 (ef=100), single-thread.
// Flushes the C global `stdout` (progress lines); Swift 6 allows that only through a
// @preconcurrency import. Printing happens on one thread.
@preconcurrency import Foundation
import YDNN

private func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

/// CPU seconds (user + system) used by this process so far: unlike wall time, it
/// hardly moves when other jobs share the machine's two cores.
private func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

private func option(_ args: [String], _ name: String, _ fallback: Int) -> Int {
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) else { return fallback }
    return v
}

func retrievalBenchmark(_ args: [String]) throws {
    let n = option(args, "--n", 1_000_000)
    let nq = option(args, "--queries", 1_000)
    let dim = option(args, "--dim", 32)
    let m = option(args, "--m", 16)
    let efc = option(args, "--efc", 200)
    let threads = option(args, "--threads", 2)
    let k = 10
    var rows: [String] = []
    func row(_ method: String, _ params: String, _ build: Double?, _ thr: String, _ qps: Double, _ recall: Double?) {
        let b = build.map { String(format: "%.1f", $0) } ?? "-"
        let r = recall.map { String(format: "%.3f", $0) } ?? "-"
        rows.append("| \(method) | \(params) | \(b) | \(thr) | \(String(format: "%.0f", qps)) | \(r) |")
        print(rows.last!)
        fflush(stdout)
    }

    print("retrieval benchmark: \(n) random unit vectors x \(dim) (seed 0), \(nq) queries, top-\(k)")
    let items = VectorSet.randomUnit(count: n, dimension: dim, seed: 0, stream: "items")
    let queries = VectorSet.randomUnit(count: nq, dimension: dim, seed: 0, stream: "queries")

    // Exact: all queries as one batch (blocked sgemm + heaps), 1 thread then `threads`.
    let exact = ExactIndex(items: items)
    var truth: [[Int]] = []
    let t1 = try seconds {
        truth = try exact.searchBatch(queries, k: k, excluding: nil, threads: 1, token: .process, progress: nil).map { $0.map(\.item) }
    }
    print("exact batch, 1 thread: \(String(format: "%.2f", t1)) s for \(nq) queries (Faiss IndexFlatIP: 9.0 s per 1000 at 1M)")
    row("exact (batch)", "SIMD 4x16 register tiles, 256-query chunks", nil, "1", Double(nq) / t1, 1)
    let t2 = try seconds { _ = try exact.searchBatch(queries, k: k, excluding: nil, threads: threads, token: .process, progress: nil) }
    row("exact (batch)", "SIMD 4x16 register tiles, 256-query chunks", nil, "\(threads)", Double(nq) / t2, 1)
    let single = IndexEvaluation.evaluate(exact, queries: queries.rows(Array(0..<min(nq, 100))),
                                          truth: Array(truth.prefix(min(nq, 100))), k: k)
    row("exact (one query at a time)", "SIMD scan", nil, "1", single.queriesPerSecond, single.recall)

    if !args.contains("--skip-hnsw") {
        var index: HNSWIndex!
        var lastReport = 0
        let cpu0 = cpuSeconds()
        let build = try seconds {
            index = try HNSWIndex.build(items: items, metric: .innerProduct,
                                        parameters: HNSWParameters(m: m, efConstruction: efc), threads: threads) { done in
                if done - lastReport >= max(1, n / 10) || done == n {
                    lastReport = done
                    print("  hnsw build: \(done)/\(n)"); fflush(stdout)
                }
            }
        }
        let buildCPU = cpuSeconds() - cpu0
        print(String(format: "hnsw build: %.1f s wall, %.1f s CPU on %d threads (load average %@)", build, buildCPU, threads,
                     (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"))
        for ef in [10, 50, 100, 200, 400] {
            index.ef = ef
            let q = IndexEvaluation.evaluate(index, queries: queries, truth: truth, k: k)
            row("hnsw", "m=\(m) ef_construction=\(efc) ef=\(ef)", ef == 10 ? build : nil, "build \(threads), query 1",
                q.queriesPerSecond, q.recall)
        }
        // Mining: top-100 for 10,000 users written as TSV, on `threads` workers.
        let miners = VectorSet.randomUnit(count: min(10_000, n), dimension: dim, seed: 0, stream: "mine")
        let minePath = NSTemporaryDirectory() + "ydnn-bench-mine.tsv"
        index.ef = 200
        for (name, idx) in [("exact", exact as VectorIndex), ("hnsw ef=200", index as VectorIndex)] {
            var summary: MiningSummary!
            let t = try seconds { summary = try Mining.mine(index: idx, users: miners, top: 100, to: minePath, threads: threads) }
            row("mine top=100 (\(name))", "\(miners.count) users, \(summary.rows) lines", nil, "\(threads)", Double(miners.count) / t, nil)
        }
        try? FileManager.default.removeItem(atPath: minePath)

        let path = NSTemporaryDirectory() + "ydnn-bench-hnsw.idx"
        let save = try seconds { try index.save(to: path) }
        var loaded: VectorIndex!
        let load = try seconds { loaded = try IndexFile.load(path: path) }
        print("hnsw save \(String(format: "%.1f", save)) s, load \(String(format: "%.1f", load)) s, same results: \(loaded.search(queries.row(0), k: k) == index.search(queries.row(0), k: k))")
        try? FileManager.default.removeItem(atPath: path)
    }

    if !args.contains("--skip-lsh") {
        for (tables, bits, probes) in [(8, 16, 0), (32, 16, 0), (16, 12, 1), (64, 12, 1)] {
            var lsh: LSHIndex!
            let build = try seconds { lsh = try LSHIndex(items: items, tables: tables, bits: bits, probes: probes) }
            let q = IndexEvaluation.evaluate(lsh, queries: queries.rows(Array(0..<min(nq, 200))),
                                             truth: Array(truth.prefix(min(nq, 200))), k: k)
            row("lsh", "tables=\(tables) bits=\(bits) probes=\(probes)", build, "1", q.queriesPerSecond, q.recall)
        }
    }

    print("\n| method | parameters | build s | threads | q/s (1 thread unless stated) | recall@10 |")
    print("|---|---|---|---|---|---|")
    rows.forEach { print($0) }
}
