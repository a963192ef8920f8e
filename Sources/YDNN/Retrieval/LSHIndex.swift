import Foundation
import YDNNSignals
import YDNNKernels

/// Random-hyperplane LSH (Charikar's SimHash) over SIMPLE-LSH vectors: `tables`
/// hash tables, each hashing an item to `bits` signs of projections on random
/// Gaussian hyperplanes. Items whose codes collide with the query's in any table
/// (or, with `probes = 1`, differ from it in one bit) are re-ranked exactly with
/// the original vectors. More tables: higher recall, more candidates to re-rank.
///
/// Unchecked Sendable: everything is immutable after `init` except `probes`, which,
/// like `HNSWIndex.ef`, is set between searches; the scratch pool takes a lock.
public final class LSHIndex: VectorIndex, @unchecked Sendable {
    public let metric: SimilarityMetric
    public let tables: Int
    public let bits: Int
    public let seed: UInt64
    /// 0: the query's own bucket only; 1: also every bucket one bit away.
    public var probes: Int
    public var kind: String { "lsh" }
    public var count: Int { items.count }
    public var dimension: Int { items.dimension }
    public var summary: String {
        "lsh \(metric.rawValue): \(count) items x \(dimension), tables=\(tables) bits=\(bits) probes=\(probes)"
    }

    /// Original items (normalised for cosine), for exact re-ranking.
    let items: VectorSet
    /// (tables * bits) rows of (dimension + 1) floats.
    let hyperplanes: [Float]
    /// Per table, the items sorted by code, and their codes.
    let codes: [[UInt64]]
    let ids: [[Int32]]
    private let scratch: LSHScratchPool

    /// Builds the tables. Throws `Cancelled` when `token` is cancelled (checked every
    /// 4096 items hashed and before every table is sorted).
    public init(items: VectorSet, tables: Int, bits: Int, metric: SimilarityMetric = .innerProduct, seed: UInt64 = 0,
                probes: Int = 0, token: CancellationToken = .process) throws {
        guard tables >= 1, tables <= 1024 else { throw RetrievalError.invalidArgument("lsh: tables must be in 1...1024") }
        guard bits >= 1, bits <= 64 else { throw RetrievalError.invalidArgument("lsh: bits must be in 1...64") }
        guard probes == 0 || probes == 1 else { throw RetrievalError.invalidArgument("lsh: probes must be 0 or 1") }
        self.metric = metric
        self.tables = tables
        self.bits = bits
        self.seed = seed
        self.probes = probes
        self.items = metric == .cosine ? items.normalized() : items
        let dp = items.dimension + 1
        var rng = RNG(seed: seed, stream: "lsh-hyperplanes")
        hyperplanes = (0..<(tables * bits * dp)).map { _ in rng.nextGaussian() }
        let transformed = SimpleLSH.transformItems(self.items).vectors
        let allCodes = try Self.hash(transformed, hyperplanes: hyperplanes, tables: tables, bits: bits, token: token)
        var codes = [[UInt64]](), ids = [[Int32]]()
        for t in 0..<tables {
            try token.check()
            let order: [Int]
            if bits <= 32 {
                // Code and index packed in one word: a plain integer sort, several times
                // faster than sorting indices with a comparison closure.
                var packed = (0..<items.count).map { allCodes[$0 * tables + t] << 32 | UInt64($0) }
                packed.sort()
                order = packed.map { Int($0 & 0xFFFF_FFFF) }
            } else {
                order = (0..<items.count).sorted { (allCodes[$0 * tables + t], $0) < (allCodes[$1 * tables + t], $1) }
            }
            codes.append(order.map { allCodes[$0 * tables + t] })
            ids.append(order.map { Int32($0) })
        }
        self.codes = codes
        self.ids = ids
        scratch = LSHScratchPool(nodes: items.count)
    }

    private init(metric: SimilarityMetric, tables: Int, bits: Int, seed: UInt64, probes: Int, items: VectorSet,
                 hyperplanes: [Float], codes: [[UInt64]], ids: [[Int32]]) {
        self.metric = metric; self.tables = tables; self.bits = bits; self.seed = seed; self.probes = probes
        self.items = items; self.hyperplanes = hyperplanes; self.codes = codes; self.ids = ids
        scratch = LSHScratchPool(nodes: items.count)
    }

    /// Codes of every row, `tables` per row (row-major): projections by blocked sgemm.
    /// `token` is checked before every block.
    static func hash(_ vectors: VectorSet, hyperplanes: [Float], tables: Int, bits: Int,
                     token: CancellationToken? = nil) throws(Cancelled) -> [UInt64] {
        let n = vectors.count, dp = vectors.dimension, h = tables * bits
        var out = [UInt64](repeating: 0, count: n * tables)
        let block = 4096
        var proj = [Float](repeating: 0, count: min(block, max(1, n)) * h)  // one query: one row, not a 4096-row block
        var r0 = 0
        while r0 < n {
            try token?.check()
            let rn = min(block, n - r0)
            vectors.values.withUnsafeBufferPointer { v in
                hyperplanes.withUnsafeBufferPointer { hp in
                    proj.withUnsafeMutableBufferPointer { pp in
                        BLAS.gemm(transB: true, m: rn, n: h, k: dp, v.baseAddress! + r0 * dp, hp.baseAddress!, pp.baseAddress!)
                    }
                }
            }
            for r in 0..<rn {
                for t in 0..<tables {
                    var code: UInt64 = 0
                    for b in 0..<bits where proj[r * h + t * bits + b] > 0 { code |= 1 << UInt64(b) }
                    out[(r0 + r) * tables + t] = code
                }
            }
            r0 += rn
        }
        return out
    }

    /// The range of table `t` holding `code`.
    private func bucket(_ t: Int, _ code: UInt64) -> Range<Int> {
        let c = codes[t]
        var lo = 0, hi = c.count
        while lo < hi { let mid = (lo + hi) >> 1; if c[mid] < code { lo = mid + 1 } else { hi = mid } }
        var end = lo
        while end < c.count && c[end] == code { end += 1 }
        return lo..<end
    }

    /// How many distinct items a query would re-rank (for tuning tables and bits).
    public func candidateCount(_ query: [Float]) -> Int { candidates(query).count }

    private func candidates(_ query: [Float]) -> [Int32] {
        let tq = SimpleLSH.transformQuery(query)
        let qs = try! VectorSet(count: 1, dimension: dimension + 1, values: tq)
        // No token: one query's codes cannot throw.
        let qCodes = try! Self.hash(qs, hyperplanes: hyperplanes, tables: tables, bits: bits)
        let s = scratch.take()
        defer { scratch.put(s) }
        let stamp = s.nextStamp()
        var out = [Int32]()
        for t in 0..<tables {
            var probesList = [qCodes[t]]
            if probes == 1 { for b in 0..<bits { probesList.append(qCodes[t] ^ (1 << UInt64(b))) } }
            for code in probesList {
                for j in bucket(t, code) {
                    let id = ids[t][j]
                    if s.visited[Int(id)] != stamp { s.visited[Int(id)] = stamp; out.append(id) }
                }
            }
        }
        return out
    }

    public func search(_ query: [Float], k: Int, excluding: Set<Int>) -> [ScoredItem] {
        precondition(query.count == dimension, "query has \(query.count) values, index dimension \(dimension)")
        var q = query
        if metric == .cosine {
            let n = q.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            if n > 0 { q = q.map { $0 / Float(n) } }
        }
        var heap = TopKHeap(k: min(k, count))
        let d = dimension
        items.values.withUnsafeBufferPointer { v in
            q.withUnsafeBufferPointer { qp in
                for id in candidates(query) where !excluding.contains(Int(id)) {
                    heap.push(dotProduct(qp.baseAddress!, v.baseAddress! + Int(id) * d, d), id)
                }
            }
        }
        return heap.sorted()
    }

    public func searchBatch(_ queries: VectorSet, k: Int, excluding: [[Int]]?, threads: Int,
                            token: CancellationToken, progress: ((Int) -> Void)?) throws -> [[ScoredItem]] {
        try parallelSearchBatch(queries, k: k, excluding: excluding, threads: threads, token: token, progress: progress)
    }

    public func itemVector(_ item: Int) -> [Float] { items.row(item) }

    public func save(to path: String) throws {
        var w = BinaryWriter()
        w.write(metric.rawValue)
        w.write(UInt64(tables)); w.write(UInt64(bits)); w.write(seed); w.write(UInt64(probes))
        w.write(items)
        w.writeArray(hyperplanes)
        for t in 0..<tables { w.writeArray(codes[t]); w.writeArray(ids[t]) }
        try IndexFile.write(kind: .lsh, payload: w, to: path)
    }

    static func read(_ r: inout BinaryReader) throws -> LSHIndex {
        guard let metric = SimilarityMetric(rawValue: try r.readString()) else { throw r.failure("unknown metric") }
        let tables = Int(try r.read(UInt64.self)), bits = Int(try r.read(UInt64.self))
        let seed: UInt64 = try r.read()
        let probes = Int(try r.read(UInt64.self))
        guard (1...1024).contains(tables), (1...64).contains(bits), probes <= 1 else { throw r.failure("bad lsh parameters") }
        let items = try r.readVectorSet()
        let planes: [Float] = try r.readArray(expected: tables * bits * (items.dimension + 1))
        var codes = [[UInt64]](), ids = [[Int32]]()
        for _ in 0..<tables {
            codes.append(try r.readArray(expected: items.count))
            let t: [Int32] = try r.readArray(expected: items.count)
            guard t.allSatisfy({ $0 >= 0 && Int($0) < items.count }) else { throw r.failure("item id out of range") }
            ids.append(t)
        }
        return LSHIndex(metric: metric, tables: tables, bits: bits, seed: seed, probes: probes, items: items,
                        hyperplanes: planes, codes: codes, ids: ids)
    }
}

final class LSHScratch {
    var visited: [UInt32]
    var stamp: UInt32 = 0
    init(nodes: Int) { visited = [UInt32](repeating: 0, count: nodes) }
    func nextStamp() -> UInt32 {
        stamp &+= 1
        if stamp == 0 { for i in visited.indices { visited[i] = 0 }; stamp = 1 }
        return stamp
    }
}

/// Unchecked Sendable: the free list is only touched under `lock`.
final class LSHScratchPool: @unchecked Sendable {
    private var free: [LSHScratch] = []
    private let lock = NSLock()
    let nodes: Int
    init(nodes: Int) { self.nodes = nodes }
    func take() -> LSHScratch {
        lock.lock(); defer { lock.unlock() }
        return free.popLast() ?? LSHScratch(nodes: nodes)
    }
    func put(_ s: LSHScratch) { lock.lock(); free.append(s); lock.unlock() }
}
