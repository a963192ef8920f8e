import Foundation
import YDNNKernels

/// Build parameters of `index hnsw` (Malkov & Yashunin): `m` links per node on the
/// upper layers and `2m` on layer 0, `efConstruction` search breadth while
/// building, `ef` default search breadth, `seed` for the node levels.
public struct HNSWParameters: Sendable, Equatable {
    public var m: Int
    public var efConstruction: Int
    public var ef: Int
    public var seed: UInt64
    /// Largest insertion batch as a fraction of the nodes already in the graph; see HNSWBuild.swift.
    public var batchFraction: Double

    public init(m: Int = 16, efConstruction: Int = 200, ef: Int = 50, seed: UInt64 = 0, batchFraction: Double = 0.02) {
        self.m = m; self.efConstruction = efConstruction; self.ef = ef; self.seed = seed
        self.batchFraction = batchFraction
    }
}

/// Hierarchical navigable small-world graph over item vectors, for inner product
/// or cosine similarity (cosine normalises items and queries; both are searched as
/// distance = -dot).
///
/// Storage is flat and manually allocated: vectors zero-padded to a multiple of 8
/// floats (so the SIMD8 kernel needs no tail), layer-0 links as `count` blocks of
/// `[n, id_1 ... id_2m]`, upper-layer links in one array with a per-node offset.
///
/// Unchecked Sendable: the graph (storage, `entryPoint`, `maxLevel`) is written only
/// while `build` or `IndexFile.load` runs, before anyone else holds the index, and
/// `ef` is set between searches; searches take their scratch from a locked pool.
public final class HNSWIndex: VectorIndex, @unchecked Sendable {
    public let metric: SimilarityMetric
    public let parameters: HNSWParameters
    /// Search breadth used by `search`; raise it for recall, lower it for speed.
    /// Set it between searches, not while other threads are searching.
    public var ef: Int
    public let count: Int
    public let dimension: Int
    public var kind: String { "hnsw" }
    public var summary: String {
        "hnsw \(metric.rawValue): \(count) items x \(dimension), m=\(parameters.m) ef_construction=\(parameters.efConstruction) ef=\(ef), \(maxLevel + 1) layers"
    }

    let stride: Int
    let maxM0: Int, maxM: Int
    let vectors: UnsafeMutablePointer<Float>
    let levels: [UInt8]
    let links0: UnsafeMutablePointer<UInt32>
    let upperOffsets: [Int]
    let upperLinks: UnsafeMutablePointer<UInt32>
    let upperLinkCount: Int
    var entryPoint: Int = 0
    var maxLevel: Int = 0
    let contexts: HNSWContextPool

    /// Allocates storage for `levels.count` nodes with empty link lists.
    init(metric: SimilarityMetric, parameters: HNSWParameters, dimension: Int, levels: [UInt8]) {
        self.metric = metric
        self.parameters = parameters
        self.ef = parameters.ef
        self.count = levels.count
        self.dimension = dimension
        self.stride = (dimension + 7) / 8 * 8
        self.maxM = parameters.m
        self.maxM0 = 2 * parameters.m
        self.levels = levels
        vectors = allocateTable(byteCount: max(1, count * stride) * 4).bindMemory(to: Float.self, capacity: max(1, count * stride))
        vectors.initialize(repeating: 0, count: max(1, count * stride))
        links0 = allocateTable(byteCount: max(1, count * (maxM0 + 1)) * 4).bindMemory(to: UInt32.self, capacity: max(1, count * (maxM0 + 1)))
        links0.initialize(repeating: 0, count: max(1, count * (maxM0 + 1)))
        var offsets = [Int](repeating: -1, count: count)
        var total = 0
        for i in 0..<count where levels[i] > 0 {
            offsets[i] = total
            total += Int(levels[i]) * (maxM + 1)
        }
        upperOffsets = offsets
        upperLinkCount = total
        upperLinks = allocateTable(byteCount: max(1, total) * 4).bindMemory(to: UInt32.self, capacity: max(1, total))
        upperLinks.initialize(repeating: 0, count: max(1, total))
        contexts = HNSWContextPool(nodes: count, stride: stride)
    }

    deinit {
        UnsafeMutableRawPointer(vectors).deallocate()
        UnsafeMutableRawPointer(links0).deallocate()
        UnsafeMutableRawPointer(upperLinks).deallocate()
    }

    // MARK: graph access

    @inline(__always) func vector(_ i: Int) -> UnsafeMutablePointer<Float> { vectors + i * stride }

    /// The link block of `node` on `layer`: element 0 is the number of links.
    @inline(__always) func links(_ node: Int, _ layer: Int) -> UnsafeMutablePointer<UInt32> {
        layer == 0 ? links0 + node * (maxM0 + 1) : upperLinks + upperOffsets[node] + (layer - 1) * (maxM + 1)
    }

    @inline(__always) func distance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
        -dotProduct(a, b, stride)
    }

    /// The neighbours of `node` on `layer` (for tests and diagnostics).
    public func neighbours(of node: Int, layer: Int = 0) -> [Int] {
        guard layer <= Int(levels[node]) else { return [] }
        let l = links(node, layer)
        return (0..<Int(l[0])).map { Int(l[1 + $0]) }
    }

    public var layerCount: Int { maxLevel + 1 }

    // MARK: search

    /// Greedy walk on the layers above `targetLayer`: move to the closest neighbour
    /// until no neighbour is closer.
    @inline(__always)
    func descend(_ q: UnsafePointer<Float>, from start: Int, topLayer: Int, to targetLayer: Int) -> (Int, Float) {
        var cur = start
        var curDist = distance(q, vector(cur))
        var layer = topLayer
        while layer > targetLayer {
            var changed = true
            while changed {
                changed = false
                let l = links(cur, layer)
                let n = Int(l[0])
                for i in 0..<n {
                    let e = Int(l[1 + i])
                    let d = distance(q, vector(e))
                    if d < curDist { curDist = d; cur = e; changed = true }
                }
            }
            layer -= 1
        }
        return (cur, curDist)
    }

    /// Best-first search of one layer from one entry point, keeping the `ef`
    /// closest nodes found in `ctx.results` (a max-heap on distance).
    func searchLayer(_ q: UnsafePointer<Float>, entry: Int, entryDistance: Float, ef: Int, layer: Int,
                     context ctx: HNSWSearchContext) {
        let stamp = ctx.nextStamp()
        let visited = ctx.visited, pending = ctx.pending
        var candidates = ctx.candidates, results = ctx.results
        defer { ctx.candidates = candidates; ctx.results = results }
        candidates.clear(); results.clear()
        visited[entry] = stamp
        candidates.push(-entryDistance, UInt32(entry))
        results.push(entryDistance, UInt32(entry))
        while !candidates.isEmpty {
            let cd = -candidates.topKey
            if cd > results.topKey && results.count >= ef { break }
            let c = Int(candidates.topID)
            candidates.pop()
            let l = links(c, layer)
            let n = Int(l[0])
            // Two passes. The first collects the unvisited neighbours and touches every
            // cache line of their vectors: the loads are independent, so their cache
            // misses overlap (what hnswlib does with prefetch instructions, which Swift
            // cannot issue). The second computes distances from cache.
            var fresh = 0
            var touched: UInt32 = 0
            // The best remaining candidate is usually the next one expanded: start
            // fetching its link list now, so that miss overlaps this node's work.
            if !candidates.isEmpty { touched = links(Int(candidates.topID), layer)[0] }
            for i in 0..<n {
                let e = Int(l[1 + i])
                if visited[e] == stamp { continue }
                visited[e] = stamp
                pending[fresh] = UInt32(e)
                fresh += 1
                let v = vectors + e * stride
                var off = 0
                while off < stride { touched &+= v[off].bitPattern; off += 16 }
            }
            ctx.sink &+= touched
            for i in 0..<fresh {
                let e = Int(pending[i])
                let d = distance(q, vector(e))
                if results.count < ef || d < results.topKey {
                    candidates.push(-d, UInt32(e))
                    results.push(d, UInt32(e))
                    if results.count > ef { results.pop() }
                }
            }
        }
    }

    /// Copies the query into the context's padded buffer (normalised for cosine).
    private func load(query: [Float], into ctx: HNSWSearchContext) {
        var scale: Float = 1
        if metric == .cosine {
            let n = query.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            if n > 0 { scale = Float(1 / n) }
        }
        for i in 0..<dimension { ctx.query[i] = query[i] * scale }
    }

    public func search(_ query: [Float], k: Int, excluding: Set<Int>) -> [ScoredItem] {
        search(query, k: k, ef: ef, excluding: excluding)
    }

    /// `search` with an explicit breadth (`ef` is raised to at least `k` plus the exclusions).
    public func search(_ query: [Float], k: Int, ef: Int, excluding: Set<Int> = []) -> [ScoredItem] {
        precondition(query.count == dimension, "query has \(query.count) values, index dimension \(dimension)")
        guard count > 0, k > 0 else { return [] }
        let ctx = contexts.take()
        defer { contexts.put(ctx) }
        load(query: query, into: ctx)
        let q = UnsafePointer(ctx.query)
        let (start, startDist) = descend(q, from: entryPoint, topLayer: maxLevel, to: 0)
        let want = k + excluding.count
        searchLayer(q, entry: start, entryDistance: startDist, ef: max(ef, want), layer: 0, context: ctx)
        var found = [ScoredItem]()
        found.reserveCapacity(ctx.results.count)
        var r = ctx.results
        while !r.isEmpty {
            let id = Int(r.topID)
            if !excluding.contains(id) { found.append(ScoredItem(item: id, score: -r.topKey)) }
            r.pop()
        }
        ctx.results = r
        found.sort(by: ScoredItem.ranksBefore)
        return Array(found.prefix(k))
    }

    public func searchBatch(_ queries: VectorSet, k: Int, excluding: [[Int]]?, threads: Int,
                            token: CancellationToken, progress: ((Int) -> Void)?) throws -> [[ScoredItem]] {
        try parallelSearchBatch(queries, k: k, excluding: excluding, threads: threads, token: token, progress: progress)
    }

    // MARK: persistence

    public func itemVector(_ item: Int) -> [Float] {
        precondition(item >= 0 && item < count, "item \(item) out of range 0..<\(count)")
        return Array(UnsafeBufferPointer(start: vector(item), count: dimension))
    }

    public func save(to path: String) throws {
        var w = BinaryWriter()
        w.write(metric.rawValue)
        w.write(UInt64(parameters.m)); w.write(UInt64(parameters.efConstruction)); w.write(UInt64(ef))
        w.write(parameters.seed); w.write(parameters.batchFraction.bitPattern)
        w.write(UInt64(count)); w.write(UInt64(dimension))
        w.writeArray(levels)
        w.write(UInt64(entryPoint)); w.write(UInt64(maxLevel))
        w.writeRaw(vectors, count: count * stride)
        w.writeRaw(links0, count: count * (maxM0 + 1))
        w.writeRaw(upperLinks, count: upperLinkCount)
        try IndexFile.write(kind: .hnsw, payload: w, to: path)
    }

    static func read(_ r: inout BinaryReader) throws -> HNSWIndex {
        guard let metric = SimilarityMetric(rawValue: try r.readString()) else { throw r.failure("unknown metric") }
        let m = Int(try r.read(UInt64.self)), efc = Int(try r.read(UInt64.self)), ef = Int(try r.read(UInt64.self))
        let seed: UInt64 = try r.read()
        let fraction = Double(bitPattern: try r.read(UInt64.self))
        let count = Int(try r.read(UInt64.self)), dim = Int(try r.read(UInt64.self))
        guard m >= 2, m <= 1024, dim > 0, dim < 1 << 20, count < 1 << 32 else { throw r.failure("implausible header") }
        let levels: [UInt8] = try r.readArray(expected: count)
        let entry = Int(try r.read(UInt64.self)), maxLevel = Int(try r.read(UInt64.self))
        let params = HNSWParameters(m: m, efConstruction: efc, ef: ef, seed: seed, batchFraction: fraction)
        let index = HNSWIndex(metric: metric, parameters: params, dimension: dim, levels: levels)
        guard count == 0 || (entry < count && maxLevel == Int(levels[entry])) else { throw r.failure("bad entry point") }
        index.entryPoint = entry
        index.maxLevel = maxLevel
        let v: [Float] = try r.readArray(expected: count * index.stride)
        let l0: [UInt32] = try r.readArray(expected: count * (index.maxM0 + 1))
        let up: [UInt32] = try r.readArray(expected: index.upperLinkCount)
        v.withUnsafeBufferPointer { if count > 0 { index.vectors.update(from: $0.baseAddress!, count: $0.count) } }
        l0.withUnsafeBufferPointer { if count > 0 { index.links0.update(from: $0.baseAddress!, count: $0.count) } }
        up.withUnsafeBufferPointer { if !$0.isEmpty { index.upperLinks.update(from: $0.baseAddress!, count: $0.count) } }
        // A file that passed the checksum but was written by a buggy build must still
        // not send a search out of bounds.
        for node in 0..<count {
            for layer in 0...Int(levels[node]) {
                let l = index.links(node, layer)
                let cap = layer == 0 ? index.maxM0 : index.maxM
                guard Int(l[0]) <= cap else { throw r.failure("link list overflow at node \(node)") }
                for i in 0..<Int(l[0]) where Int(l[1 + i]) >= count { throw r.failure("link out of range at node \(node)") }
            }
        }
        return index
    }
}
