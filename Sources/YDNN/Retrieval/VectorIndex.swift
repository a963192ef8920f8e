import Foundation

/// How an index scores an (query, item) pair. Both are "higher is better":
/// `.innerProduct` is the model's logit; `.cosine` normalises both sides first.
public enum SimilarityMetric: String, Sendable, CaseIterable {
    case innerProduct = "ip"
    case cosine = "cosine"
}

/// What every item index offers the command layer: top-K for one query or many,
/// saving to a file. `IndexFile.load(path:)` reads any of them back.
public protocol VectorIndex: AnyObject {
    /// "exact", "lsh" or "hnsw".
    var kind: String { get }
    var count: Int { get }
    var dimension: Int { get }
    var metric: SimilarityMetric { get }
    /// One-line summary of the index's parameters, for `show` / logs.
    var summary: String { get }

    /// The best `k` items for `query` (`dimension` floats), best first. `excluding`
    /// items never appear (already-seen items, the query item for `similar`).
    func search(_ query: [Float], k: Int, excluding: Set<Int>) -> [ScoredItem]

    /// `search` for every row of `queries`, on `threads` workers. `excluding[i]` are
    /// the items barred for query `i`. `progress(done)` is called (serialised) after
    /// each chunk with the number of queries answered so far. Workers look at
    /// `token` before every chunk; once it is cancelled they stop and the call
    /// throws `Cancelled` (no partial results).
    func searchBatch(_ queries: VectorSet, k: Int, excluding: [[Int]]?, threads: Int,
                     token: CancellationToken, progress: ((Int) -> Void)?) throws -> [[ScoredItem]]

    /// The stored vector of `item` (normalised if the metric is cosine).
    func itemVector(_ item: Int) -> [Float]

    /// Versioned binary file with a checksum, written atomically.
    func save(to path: String) throws
}

extension VectorIndex {
    public func search(_ query: [Float], k: Int) -> [ScoredItem] { search(query, k: k, excluding: []) }

    /// `similar ITEM top=K`: the items nearest to `item`'s own vector, without
    /// `item` itself (and without `excluding`).
    public func similar(to item: Int, k: Int, excluding: Set<Int> = []) -> [ScoredItem] {
        precondition(item >= 0 && item < count, "item \(item) out of range 0..<\(count)")
        return search(itemVector(item), k: k, excluding: excluding.union([item]))
    }

    /// The generic batch: parallel single-query searches in chunks. The exact index
    /// replaces it with blocked matrix products.
    public func parallelSearchBatch(_ queries: VectorSet, k: Int, excluding: [[Int]]?, threads: Int,
                                    token: CancellationToken, progress: ((Int) -> Void)?) throws -> [[ScoredItem]] {
        precondition(queries.dimension == dimension, "queries have dimension \(queries.dimension), index \(dimension)")
        precondition(excluding == nil || excluding!.count == queries.count, "one exclusion list per query")
        let n = queries.count
        let chunk = 256
        let chunks = (n + chunk - 1) / chunk
        var results = [[ScoredItem]](repeating: [], count: n)
        let counter = ChunkCounter()
        let progressLock = NSLock()
        var done = 0
        results.withUnsafeMutableBufferPointer { out in
            let out = out
            runWorkers(min(max(1, threads), max(1, chunks))) { _ in
                while true {
                    let c = counter.take()
                    if c >= chunks || token.isCancelled { return }
                    let lo = c * chunk, hi = min(n, lo + chunk)
                    for q in lo..<hi {
                        let ex = excluding.map { Set($0[q]) } ?? []
                        out[q] = self.search(queries.row(q), k: k, excluding: ex)
                    }
                    progressLock.lock()
                    done += hi - lo
                    progress?(done)
                    progressLock.unlock()
                }
            }
        }
        try token.check()
        return results
    }
}

/// Recall against exact search and speed, as `index ... ` reports them.
public struct IndexQuality: Sendable, CustomStringConvertible {
    public let k: Int
    public let queries: Int
    /// Mean over queries of |found ∩ exact top-K| / K.
    public let recall: Double
    /// Single-thread queries per second.
    public let queriesPerSecond: Double

    public var description: String {
        String(format: "recall@%d %.4f, %.0f q/s (1 thread, %d queries)", k, recall, queriesPerSecond, queries)
    }
}

public enum IndexEvaluation {
    /// The exact top-K item indices for every query: the reference for recall.
    public static func groundTruth(items: VectorSet, queries: VectorSet, k: Int, metric: SimilarityMetric = .innerProduct,
                                   threads: Int = retrievalDefaultThreads, token: CancellationToken) throws -> [[Int]] {
        try ExactIndex(items: items, metric: metric)
            .searchBatch(queries, k: k, excluding: nil, threads: threads, token: token, progress: nil)
            .map { $0.map(\.item) }
    }

    /// Answers every query one at a time on this thread, timing the loop, and
    /// compares with `truth` (from `groundTruth`).
    public static func evaluate(_ index: VectorIndex, queries: VectorSet, truth: [[Int]], k: Int) -> IndexQuality {
        precondition(truth.count == queries.count, "one ground-truth list per query")
        var found = [[Int]]()
        found.reserveCapacity(queries.count)
        let rows = (0..<queries.count).map { queries.row($0) }
        let start = DispatchTime.now().uptimeNanoseconds
        for q in rows { found.append(index.search(q, k: k).map(\.item)) }
        let seconds = max(1e-9, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        return IndexQuality(k: k, queries: queries.count, recall: recall(found: found, truth: truth, k: k),
                            queriesPerSecond: Double(queries.count) / seconds)
    }

    /// What `index ... report=on` prints: recall@k against exact search over the
    /// same items (with the index's metric) and single-thread q/s, on at most
    /// `sample` of the queries (the first ones, so the report is reproducible).
    public static func report(_ index: VectorIndex, items: VectorSet, queries: VectorSet, k: Int = 10,
                              sample: Int = 1_000) -> IndexQuality {
        let q = queries.count > sample ? queries.rows(Array(0..<sample)) : queries
        let truth = groundTruth(items: items, queries: q, k: k, metric: index.metric)
        return evaluate(index, queries: q, truth: truth, k: k)
    }

    /// Mean of |found_i ∩ truth_i[..<k]| / k.
    public static func recall(found: [[Int]], truth: [[Int]], k: Int) -> Double {
        guard !truth.isEmpty, k > 0 else { return 0 }
        var total = 0.0
        for (f, t) in zip(found, truth) {
            let ref = Set(t.prefix(k))
            total += Double(f.prefix(k).filter { ref.contains($0) }.count) / Double(k)
        }
        return total / Double(truth.count)
    }
}
