import COpenBLAS
import Foundation

/// Brute-force search: every item scored. Many queries go through blocked matrix
/// products (OpenBLAS sgemm on a query block x item block tile) followed by a
/// bounded heap per query; one query is a SIMD scan. This is the reference every
/// approximate index is measured against.
public final class ExactIndex: VectorIndex, @unchecked Sendable {
    public let items: VectorSet
    public let metric: SimilarityMetric
    public var kind: String { "exact" }
    public var count: Int { items.count }
    public var dimension: Int { items.dimension }
    public var summary: String { "exact \(metric.rawValue): \(count) items x \(dimension)" }

    /// Queries per sgemm tile, items per tile. 128 x 1024 floats = 512 KB: the
    /// tile is written and scanned while still in L2.
    static let queryBlock = 128
    static let itemBlock = 1024

    public init(items: VectorSet, metric: SimilarityMetric = .innerProduct) {
        self.metric = metric
        self.items = metric == .cosine ? items.normalized() : items
    }

    private func prepared(_ query: [Float]) -> [Float] {
        guard metric == .cosine else { return query }
        let n = query.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return n > 0 ? query.map { $0 / Float(n) } : query
    }

    public func search(_ query: [Float], k: Int, excluding: Set<Int>) -> [ScoredItem] {
        precondition(query.count == dimension, "query has \(query.count) values, index dimension \(dimension)")
        let q = prepared(query)
        var heap = TopKHeap(k: min(k, count))
        let d = dimension
        items.values.withUnsafeBufferPointer { v in
            q.withUnsafeBufferPointer { qp in
                for i in 0..<count {
                    let s = dotProduct(qp.baseAddress!, v.baseAddress! + i * d, d)
                    if s >= heap.threshold && !excluding.contains(i) { heap.push(s, Int32(i)) }
                }
            }
        }
        return heap.sorted()
    }

    /// Every item's score for one query (for ranking a target among all items).
    public func scores(for query: [Float]) -> [Float] {
        precondition(query.count == dimension, "query has \(query.count) values, index dimension \(dimension)")
        let q = prepared(query)
        var out = [Float](repeating: 0, count: count)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(count), Int32(dimension), 1, items.values, Int32(dimension),
                    q, 1, 0, &out, 1)
        return out
    }

    public func searchBatch(_ queries: VectorSet, k: Int, excluding: [[Int]]?, threads: Int,
                            progress: ((Int) -> Void)?) -> [[ScoredItem]] {
        precondition(queries.dimension == dimension, "queries have dimension \(queries.dimension), index \(dimension)")
        precondition(excluding == nil || excluding!.count == queries.count, "one exclusion list per query")
        let qs = metric == .cosine ? queries.normalized() : queries
        let sortedExcluded = excluding?.map { $0.map { Int32($0) }.sorted() }
        let nq = qs.count, d = dimension, n = count
        let qb = Self.queryBlock, ib = Self.itemBlock
        let chunks = (nq + qb - 1) / qb
        let workers = min(max(1, threads), max(1, chunks))
        var results = [[ScoredItem]](repeating: [], count: nq)
        let counter = ChunkCounter()
        let progressLock = NSLock()
        var done = 0
        // Our workers own the cores in this phase: OpenBLAS threads inside them only
        // contend (PLATFORM-NOTES), so each sgemm runs single-threaded.
        let savedBLASThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(savedBLASThreads) }

        results.withUnsafeMutableBufferPointer { out in
            let out = out
            qs.values.withUnsafeBufferPointer { qv in
                items.values.withUnsafeBufferPointer { iv in
                    runWorkers(workers) { _ in
                        let tile = UnsafeMutablePointer<Float>.allocate(capacity: qb * ib)
                        defer { tile.deallocate() }
                        while true {
                            let c = counter.take()
                            if c >= chunks || Interrupt.isRequested { return }
                            let q0 = c * qb, qn = min(qb, nq - q0)
                            var heaps = (0..<qn).map { _ in TopKHeap(k: min(k, n)) }
                            var i0 = 0
                            while i0 < n {
                                let inn = min(ib, n - i0)
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(qn), Int32(inn), Int32(d),
                                            1, qv.baseAddress! + q0 * d, Int32(d), iv.baseAddress! + i0 * d, Int32(d),
                                            0, tile, Int32(inn))
                                for r in 0..<qn {
                                    Self.scan(tile + r * inn, count: inn, offset: i0, heap: &heaps[r],
                                              excluded: sortedExcluded?[q0 + r])
                                }
                                i0 += inn
                            }
                            for r in 0..<qn { out[q0 + r] = heaps[r].sorted() }
                            progressLock.lock()
                            done += qn
                            progress?(done)
                            progressLock.unlock()
                        }
                    }
                }
            }
        }
        return results
    }

    /// Offers one row of the score tile to a heap. Eight scores at a time are
    /// compared with the heap's threshold; once the heap is full almost every
    /// group fails, so the scan runs at memory speed.
    @inline(__always)
    private static func scan(_ row: UnsafeMutablePointer<Float>, count: Int, offset: Int, heap: inout TopKHeap,
                             excluded: [Int32]?) {
        let raw = UnsafeRawPointer(row)
        var j = 0
        while j + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            if any(v .>= SIMD8(repeating: heap.threshold)) {
                for l in 0..<8 where v[l] >= heap.threshold {
                    let item = Int32(offset + j + l)
                    if let ex = excluded, ex.containsSorted(item) { continue }
                    heap.push(v[l], item)
                }
            }
            j += 8
        }
        while j < count {
            let s = row[j]
            let item = Int32(offset + j)
            if s >= heap.threshold && !(excluded?.containsSorted(item) ?? false) { heap.push(s, item) }
            j += 1
        }
    }

    public func save(to path: String) throws {
        var w = BinaryWriter()
        w.write(metric.rawValue)
        w.write(items)
        try IndexFile.write(kind: .exact, payload: w, to: path)
    }

    static func read(_ r: inout BinaryReader) throws -> ExactIndex {
        guard let metric = SimilarityMetric(rawValue: try r.readString()) else { throw r.failure("unknown metric") }
        let items = try r.readVectorSet()
        // Already normalised when saved; normalising again changes nothing that matters.
        return ExactIndex(items: items, metric: metric)
    }
}

extension Array where Element == Int32 {
    /// Binary search in an ascending array.
    @inline(__always)
    func containsSorted(_ x: Int32) -> Bool {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if self[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && self[lo] == x
    }
}
