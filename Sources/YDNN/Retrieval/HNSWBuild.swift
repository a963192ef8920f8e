import Foundation
import YDNNSignals

// Building the graph, deterministically on any number of threads.
//
// Nodes are inserted in batches. Phase 1 (parallel): every node of the batch
// searches the graph as it stood before the batch, picks its neighbours with the
// paper's heuristic and writes its own link lists; no old node links to a new one
// yet, so no new node can reach another and the graph it reads is frozen. Phase 2
// (parallel over link lists): the reverse links "old node -> new node" are sorted
// by (target, layer, source) and each target list is updated once, pruned with
// the same heuristic when it overflows. Neither phase depends on which thread ran
// what, so the same seed gives the same graph with 1 or 2 threads.
//
// The price is that nodes of one batch cannot link to each other directly, so the
// batch is kept a small fraction (`batchFraction`, 2%) of the graph already built:
// the first 100 nodes go in one by one, exactly as in sequential HNSW.

extension HNSWIndex {
    /// Builds an HNSW index over the rows of `items`. `progress(inserted)` is called
    /// after each batch. Throws `Cancelled` when `token` is cancelled (checked
    /// before every batch).
    public static func build(items: VectorSet, metric: SimilarityMetric = .innerProduct,
                             parameters: HNSWParameters = HNSWParameters(),
                             threads: Int = retrievalDefaultThreads,
                             token: CancellationToken = .process,
                             progress: ((Int) -> Void)? = nil) throws -> HNSWIndex {
        guard parameters.m >= 2, parameters.m <= 1024 else { throw RetrievalError.invalidArgument("hnsw: m must be in 2...1024") }
        guard parameters.efConstruction >= 1 else { throw RetrievalError.invalidArgument("hnsw: ef_construction must be >= 1") }
        guard parameters.ef >= 1 else { throw RetrievalError.invalidArgument("hnsw: ef must be >= 1") }
        guard parameters.batchFraction > 0, parameters.batchFraction <= 1 else {
            throw RetrievalError.invalidArgument("hnsw: batch fraction must be in (0, 1]")
        }
        guard items.count < Int(UInt32.max) else { throw RetrievalError.invalidArgument("hnsw: too many items") }
        let n = items.count
        // Level of each node: floor(-ln(U) * mL) with mL = 1/ln(m), as in the paper.
        var rng = RNG(seed: parameters.seed, stream: "hnsw-levels")
        let mL = 1 / log(Double(parameters.m))
        let levels = (0..<n).map { _ in UInt8(min(30, Int(-log(1 - rng.nextDouble()) * mL))) }
        let index = HNSWIndex(metric: metric, parameters: parameters, dimension: items.dimension, levels: levels)
        let source = metric == .cosine ? items.normalized() : items
        source.values.withUnsafeBufferPointer { v in
            for i in 0..<n { index.vector(i).update(from: v.baseAddress! + i * items.dimension, count: items.dimension) }
        }
        guard n > 0 else { return index }
        index.entryPoint = 0
        index.maxLevel = Int(levels[0])
        try index.insertAll(threads: max(1, threads), token: token, progress: progress)
        return index
    }

    private func insertAll(threads: Int, token: CancellationToken, progress: ((Int) -> Void)?) throws {
        let contexts = (0..<threads).map { _ in HNSWSearchContext(nodes: count, stride: stride) }
        var inserted = 1
        var keys = [UInt64]()
        var groupStarts = [Int]()
        while inserted < count {
            try token.check()
            let size = min(count - inserted, 1 << 26, max(1, Int(Double(inserted) * parameters.batchFraction)))
            let lo = inserted, hi = inserted + size

            // Phase 1: each new node finds and stores its own neighbours.
            let nodeChunk = 8
            let nodeChunks = (size + nodeChunk - 1) / nodeChunk
            let counter1 = ChunkCounter()
            runWorkers(min(threads, nodeChunks)) { w in
                let ctx = contexts[w]
                while true {
                    let c = counter1.take()
                    if c >= nodeChunks { return }
                    for q in (lo + c * nodeChunk) ..< min(hi, lo + (c + 1) * nodeChunk) { self.connect(q, context: ctx) }
                }
            }

            // Phase 2: reverse links, grouped by target list.
            keys.removeAll(keepingCapacity: true)
            for q in lo..<hi {
                for layer in 0...min(Int(levels[q]), maxLevel) {
                    let l = links(q, layer)
                    for i in 0..<Int(l[0]) {
                        keys.append(UInt64(l[1 + i]) << 32 | UInt64(layer) << 27 | UInt64(q - lo))
                    }
                }
            }
            keys.sort()
            groupStarts.removeAll(keepingCapacity: true)
            for i in 0..<keys.count where i == 0 || keys[i] >> 27 != keys[i - 1] >> 27 { groupStarts.append(i) }
            groupStarts.append(keys.count)
            let groups = groupStarts.count - 1
            let groupChunk = 32
            let groupChunks = (groups + groupChunk - 1) / groupChunk
            let counter2 = ChunkCounter()
            keys.withUnsafeBufferPointer { kp in
                groupStarts.withUnsafeBufferPointer { gp in
                    runWorkers(min(threads, groupChunks)) { w in
                        let ctx = contexts[w]
                        while true {
                            let c = counter2.take()
                            if c >= groupChunks { return }
                            for g in (c * groupChunk) ..< min(groups, (c + 1) * groupChunk) {
                                self.addReverseLinks(kp, from: gp[g], to: gp[g + 1], batchStart: lo, context: ctx)
                            }
                        }
                    }
                }
            }

            for q in lo..<hi where Int(levels[q]) > maxLevel {
                maxLevel = Int(levels[q])
                entryPoint = q
            }
            inserted = hi
            progress?(inserted)
        }
    }

    /// Phase 1 for one node: descend to its level, then on each of its layers search
    /// with `efConstruction` and keep `m` neighbours chosen by the heuristic.
    private func connect(_ q: Int, context ctx: HNSWSearchContext) {
        let level = Int(levels[q])
        let qv = UnsafePointer(vector(q))
        var (cur, curDist) = descend(qv, from: entryPoint, topLayer: maxLevel, to: level)
        var layer = min(level, maxLevel)
        while layer >= 0 {
            searchLayer(qv, entry: cur, entryDistance: curDist, ef: parameters.efConstruction, layer: layer, context: ctx)
            ctx.pool.removeAll(keepingCapacity: true)
            var r = ctx.results
            while !r.isEmpty { ctx.pool.append((r.topKey, r.topID)); r.pop() }
            ctx.results = r
            ctx.pool.reverse()  // popped farthest first
            selectNeighbours(ctx, limit: maxM)
            let l = links(q, layer)
            l[0] = UInt32(ctx.chosen.count)
            for (i, c) in ctx.chosen.enumerated() { l[1 + i] = c.1 }
            (curDist, cur) = (ctx.chosen[0].0, Int(ctx.chosen[0].1))
            layer -= 1
        }
    }

    /// The heuristic of Malkov & Yashunin (Algorithm 4, without extending or keeping
    /// pruned candidates): walk the candidates nearest first and keep one only if it
    /// is closer to the base than to every neighbour kept so far, which spreads the
    /// links over directions instead of clustering them. `ctx.pool` must be sorted
    /// by (distance to base, id); the result goes to `ctx.chosen`.
    private func selectNeighbours(_ ctx: HNSWSearchContext, limit: Int) {
        // Work on local arrays: touching the context's arrays inside the double loop
        // would pay a retain and an exclusivity check on every access.
        var chosen = ctx.chosen, pool = ctx.pool
        ctx.chosen = []; ctx.pool = []
        defer { ctx.chosen = chosen; ctx.pool = pool }
        chosen.removeAll(keepingCapacity: true)
        for (d, e) in pool {
            if chosen.count >= limit { break }
            let ev = UnsafePointer(vector(Int(e)))
            var good = true
            for (_, r) in chosen where distance(ev, vector(Int(r))) < d {
                good = false
                break
            }
            if good { chosen.append((d, e)) }
        }
    }

    /// Phase 2 for one target list: append the new sources, or, when the list would
    /// overflow, re-select among old and new links with the heuristic.
    private func addReverseLinks(_ keys: UnsafeBufferPointer<UInt64>, from start: Int, to end: Int, batchStart: Int,
                                 context ctx: HNSWSearchContext) {
        let target = Int(keys[start] >> 32)
        let layer = Int((keys[start] >> 27) & 31)
        let l = links(target, layer)
        let cap = layer == 0 ? maxM0 : maxM
        let existing = Int(l[0])
        let added = end - start
        if existing + added <= cap {
            for i in 0..<added { l[1 + existing + i] = UInt32(batchStart + Int(keys[start + i] & 0x7FF_FFFF)) }
            l[0] = UInt32(existing + added)
            return
        }
        let tv = UnsafePointer(vector(target))
        ctx.pool.removeAll(keepingCapacity: true)
        for i in 0..<existing { ctx.pool.append((distance(tv, vector(Int(l[1 + i]))), l[1 + i])) }
        for i in start..<end {
            let s = batchStart + Int(keys[i] & 0x7FF_FFFF)
            ctx.pool.append((distance(tv, vector(s)), UInt32(s)))
        }
        ctx.pool.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        selectNeighbours(ctx, limit: cap)
        l[0] = UInt32(ctx.chosen.count)
        for (i, c) in ctx.chosen.enumerated() { l[1 + i] = c.1 }
    }
}
