import Foundation
import YDNNKernels

/// Brute-force search: every item scored. Many queries go through a blocked,
/// register-tiled SIMD product (YDNNKernels' ItemPanels) feeding a bounded heap per
/// query; one query is a SIMD scan. This is the reference every
/// approximate index is measured against.
public final class ExactIndex: VectorIndex, Sendable {
    public let items: VectorSet
    public let metric: SimilarityMetric
    public var kind: String { "exact" }
    public var count: Int { items.count }
    public var dimension: Int { items.dimension }
    public var summary: String { "exact \(metric.rawValue): \(count) items x \(dimension)" }

    /// Most queries per work chunk; items per cache block.
    static let queryBlock = 256
    static let itemBlock = 1024

    /// The items again in the layout of the many-query kernel (a second copy: the
    /// price of a fast batch path).
    let panels: ItemPanels

    public init(items: VectorSet, metric: SimilarityMetric = .innerProduct) {
        self.metric = metric
        self.items = metric == .cosine ? items.normalized() : items
        panels = ItemPanels(self.items)
    }

    /// For loading: the items exactly as saved (normalising twice could move last bits).
    private init(storedItems: VectorSet, metric: SimilarityMetric) {
        self.metric = metric
        items = storedItems
        panels = ItemPanels(storedItems)
    }

    deinit { panels.free() }

    private func prepared(_ query: [Float]) -> [Float] {
        guard metric == .cosine else { return query }
        let n = query.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return n > 0 ? query.map { $0 / Float(n) } : query
    }

    public func search(_ query: [Float], k: Int, excluding: Set<Int>) -> [ScoredItem] {
        precondition(query.count == dimension, "query has \(query.count) values, index dimension \(dimension)")
        let q = prepared(query)
        // Score one cache block of panels at a time into a small buffer: a full
        // score array would be a fresh multi-megabyte allocation (page faults) per query.
        let blockPanels = Self.itemBlock / ItemPanels.width
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: Self.itemBlock)
        defer { scores.deallocate() }
        var heap = TopKHeap(k: min(k, count))
        var p0 = 0
        while p0 < panels.panelCount {
            let p1 = min(panels.panelCount, p0 + blockPanels)
            q.withUnsafeBufferPointer { panels.scoreAll($0.baseAddress!, into: scores, panels: p0, p1) }
            let first = p0 * ItemPanels.width, n = min(count, p1 * ItemPanels.width) - first
            heap.offer(scores, count: n, firstItem: first, excluding: excluding)
            p0 = p1
        }
        return heap.sorted()
    }

    /// Every item's score for one query (bitwise the scores `search` ranks by).
    public func scores(for query: [Float]) -> [Float] {
        precondition(query.count == dimension, "query has \(query.count) values, index dimension \(dimension)")
        let q = prepared(query)
        return [Float](unsafeUninitializedCapacity: count) { buf, n in
            if count > 0 { q.withUnsafeBufferPointer { panels.scoreAll($0.baseAddress!, into: buf.baseAddress!) } }
            n = count
        }
    }

    public func searchBatch(_ queries: VectorSet, k: Int, excluding: [[Int]]?, threads: Int,
                            token: CancellationToken, progress: ((Int) -> Void)?) throws -> [[ScoredItem]] {
        precondition(queries.dimension == dimension, "queries have dimension \(queries.dimension), index \(dimension)")
        precondition(excluding == nil || excluding!.count == queries.count, "one exclusion list per query")
        let qs = metric == .cosine ? queries.normalized() : queries
        let sortedExcluded = excluding?.map { $0.map { Int32($0) }.sorted() }
        let nq = qs.count, d = dimension
        let panels = self.panels
        // A chunk of queries walks the items one block of panels at a time; the block
        // (64 panels = 1024 items, 128 KB at d = 32) stays in L2 while every 4-query
        // group of the chunk passes over it.
        // Each chunk streams all items from memory once, so chunks are as large as
        // possible (up to 256 queries) while still giving every worker one.
        let perWorker = (nq + max(1, threads) - 1) / max(1, threads)
        let qb = min(Self.queryBlock, max(4, (perWorker + 3) / 4 * 4)), blockPanels = Self.itemBlock / ItemPanels.width
        let chunks = (nq + qb - 1) / qb
        let workers = min(max(1, threads), max(1, chunks))
        var results = [[ScoredItem]](repeating: [], count: nq)
        let counter = ChunkCounter()
        let progressLock = NSLock()
        var done = 0
        results.withUnsafeMutableBufferPointer { out in
            let out = out
            runWorkers(workers) { _ in
                let padded = UnsafeMutablePointer<Float>.allocate(capacity: (qb + 3) * d)
                defer { padded.deallocate() }
                while true {
                    let c = counter.take()
                    if c >= chunks || token.isCancelled { return }
                    let q0 = c * qb, qn = min(qb, nq - q0)
                    let groups = (qn + 3) / 4
                    padded.initialize(repeating: 0, count: groups * 4 * d)
                    qs.values.withUnsafeBufferPointer { qv in padded.update(from: qv.baseAddress! + q0 * d, count: qn * d) }
                    var heaps = (0..<qn).map { _ in TopKHeap(k: min(k, count)) }
                    var p0 = 0
                    while p0 < panels.panelCount {
                        let p1 = min(panels.panelCount, p0 + blockPanels)
                        for g in 0..<groups {
                            panels.score4(padded + g * 4 * d, panels: p0, p1, heaps: &heaps, heapBase: g * 4,
                                          live: min(4, qn - g * 4), excluded: sortedExcluded, excludedBase: q0 + g * 4)
                        }
                        p0 = p1
                    }
                    for r in 0..<qn { out[q0 + r] = heaps[r].sorted() }
                    progressLock.lock()
                    done += qn
                    progress?(done)
                    progressLock.unlock()
                }
            }
        }
        try token.check()
        return results
    }

    public func itemVector(_ item: Int) -> [Float] { items.row(item) }

    public func save(to path: String) throws {
        var w = BinaryWriter()
        w.write(metric.rawValue)
        w.write(items)
        try IndexFile.write(kind: .exact, payload: w, to: path)
    }

    static func read(_ r: inout BinaryReader) throws -> ExactIndex {
        guard let metric = SimilarityMetric(rawValue: try r.readString()) else { throw r.failure("unknown metric") }
        return ExactIndex(storedItems: try r.readVectorSet(), metric: metric)
    }
}

extension ItemPanels {
    init(_ items: VectorSet) {
        self = items.values.withUnsafeBufferPointer { ItemPanels(values: $0, count: items.count, dimension: items.dimension) }
    }
}
