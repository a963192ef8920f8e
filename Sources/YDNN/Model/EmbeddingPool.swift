/// A feature encoder: turns each sample's id list into one vector. One instance per
/// training worker; parameters are shared, gradients are the worker's own.
public protocol FeatureEncoder: AnyObject {
    var spec: EncoderSpec { get }
    var outputDimension: Int { get }
    /// Gradients of this encoder's parameters, in a fixed order.
    var gradients: [Gradient] { get }
    var flops: Double { get }
    /// Returns rows × outputDimension.
    func forward(_ ids: RaggedIDs) -> [Float]
    /// Accumulates parameter gradients from dL/d(output).
    func backward(_ dOutput: [Float])
}

/// Embedding lookup pooled over a sample's ids (avg, sum or max; optionally weighted),
/// plus an optional slot holding the last id's embedding. Single-valued features
/// (user_id, city, ...) are the one-id case. An empty list gives zeros.
///
/// The gradient is sparse: only the rows of ids in the batch are touched.
///
/// A shared encoder (`spec.shared`: `pool items avg shared=on`) looks the ids up
/// in the output item table and adds into the output layer's own `Gradient` of it
/// (`gradient:`), so the optimizer sees one gradient of that table, the sum of both
/// uses. It leaves out the pad (item 0), as torch-rechub's `padding_idx=0` masks it:
/// item 0 of the output table is the <unk> item, not a pad. (Recent-click histories
/// hold the pad only when empty: a test user without known clicks, who then pools
/// to zeros; window histories start with it.)
public final class EmbeddingPool: FeatureEncoder {
    public let spec: EncoderSpec
    public let table: Parameter
    public let dTable: Gradient
    public var flops: Double = 0
    public var outputDimension: Int { spec.outputDimension }
    public var gradients: [Gradient] { [dTable] }

    private var ids = RaggedIDs()
    /// For max pooling: the position (index into ids.ids) that won each output element, or -1.
    private var argmax: [Int32] = []
    private var output: [Float] = []

    /// `gradient`: an existing gradient of `table` to add into (a shared table's),
    /// instead of one of its own.
    public init(spec: EncoderSpec, table: Parameter, gradient: Gradient? = nil) {
        precondition(table.cols == spec.dim && (gradient.map { $0.parameter === table } ?? true))
        self.spec = spec; self.table = table
        dTable = gradient ?? Gradient(table)
    }

    /// The lists without the pad id 0 (and its weights).
    static func removingPad(_ ids: RaggedIDs) -> RaggedIDs {
        guard ids.ids.contains(0) else { return ids }
        var out = RaggedIDs(offsets: [0], ids: [], weights: ids.weights.map { _ in [] })
        out.offsets.reserveCapacity(ids.offsets.count)
        for r in 0..<ids.count {
            for p in Int(ids.offsets[r]) ..< Int(ids.offsets[r + 1]) where ids.ids[p] != 0 {
                out.ids.append(ids.ids[p])
                if let w = ids.weights { out.weights!.append(w[p]) }
            }
            out.offsets.append(Int32(out.ids.count))
        }
        return out
    }

    /// Per-position pooling weight of row `s`: the id weight (if weighted) divided by
    /// the list's total for avg, i.e. `(w?[p] ?? 1) * inv` for p in `range`.
    @inline(__always)
    private static func coefficients(_ s: Int, offsets: UnsafeBufferPointer<Int32>,
                                     weights w: UnsafeBufferPointer<Float>?, avg: Bool) -> (range: Range<Int>, inv: Float) {
        let r = Int(offsets[s]) ..< Int(offsets[s + 1])
        var total: Float = 0
        if avg {
            if let w { for p in r { total += w[p] } } else { total = Float(r.count) }
        }
        let inv: Float = avg ? (total != 0 ? 1 / total : 0) : 1
        return (r, inv)
    }

    /// Runs `body` with unchecked views of the ids, offsets and (when weighted) weights
    /// of `ids`, after checking once that every list lies inside `ids.ids` and every id
    /// inside the table: the per-row loops then index raw pointers only.
    private func withRows<R>(_ ids: RaggedIDs,
                             _ body: (UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Float>?) -> R) -> R {
        let n = ids.ids.count, tableRows = table.rows
        precondition(ids.offsets.first == 0 && Int(ids.offsets.last ?? 0) == n
                     && zip(ids.offsets, ids.offsets.dropFirst()).allSatisfy { $0 <= $1 },
                     "embedding \(spec.feature): malformed id lists")
        precondition(ids.ids.allSatisfy { $0 >= 0 && Int($0) < tableRows }, "embedding \(spec.feature): id out of range")
        let weighted = spec.weighted && ids.weights != nil
        precondition(!weighted || ids.weights!.count == n)
        return ids.ids.withUnsafeBufferPointer { ip in
            ids.offsets.withUnsafeBufferPointer { op in
                if weighted { return ids.weights!.withUnsafeBufferPointer { wp in body(ip, op, wp) } }
                return body(ip, op, nil)
            }
        }
    }

    public func forward(_ ids: RaggedIDs) -> [Float] {
        let ids = spec.shared ? EmbeddingPool.removingPad(ids) : ids
        self.ids = ids
        let rows = ids.count, d = spec.dim, od = outputDimension
        let isMax = spec.pool == .max, avg = spec.pool == .avg, lastSlot = spec.lastSlot
        var out = [Float].zeros(rows * od)
        var arg = [Int32](repeating: -1, count: isMax ? rows * d : 0)
        withRows(ids) { ip, offp, wp in
            table.value.withUnsafeBufferPointer { tp in
                out.withUnsafeMutableBufferPointer { op in
                    arg.withUnsafeMutableBufferPointer { ap in
                        let t = tp.baseAddress!
                        for s in 0..<rows {
                            let o = op.baseAddress! + s * od
                            let (r, inv) = EmbeddingPool.coefficients(s, offsets: offp, weights: wp, avg: avg)
                            if isMax {
                                let a = ap.baseAddress! + s * d
                                for p in r {
                                    let e = t + Int(ip[p]) * d
                                    let c = (wp?[p] ?? 1) * inv
                                    for j in 0..<d {
                                        let v = c * e[j]
                                        if a[j] < 0 || v > o[j] { o[j] = v; a[j] = Int32(p) }
                                    }
                                }
                            } else {
                                for p in r { Vec.axpy((wp?[p] ?? 1) * inv, t + Int(ip[p]) * d, o, d) }
                            }
                            if lastSlot, let p = r.last {
                                let e = t + Int(ip[p]) * d
                                for j in 0..<d { o[d + j] = e[j] }
                            }
                        }
                    }
                }
            }
        }
        output = out
        argmax = arg
        flops += 2 * Double(ids.ids.count * d)
        return out
    }

    public func backward(_ dOutput: [Float]) {
        let ids = ids, argmax = argmax
        let rows = ids.count, d = spec.dim, od = outputDimension
        let isMax = spec.pool == .max, avg = spec.pool == .avg, lastSlot = spec.lastSlot
        precondition(dOutput.count == rows * od && (!isMax || argmax.count == rows * d))
        let dTable = dTable
        withRows(ids) { ip, offp, wp in
            dOutput.withUnsafeBufferPointer { gp in
                argmax.withUnsafeBufferPointer { ap in
                    if isMax {
                        for s in 0..<rows {
                            let g = gp.baseAddress! + s * od
                            let (r, inv) = EmbeddingPool.coefficients(s, offsets: offp, weights: wp, avg: avg)
                            let a = ap.baseAddress! + s * d
                            for j in 0..<d {
                                let p = Int(a[j])
                                if p >= 0 { dTable.add(row: Int(ip[p]), col: j, (wp?[p] ?? 1) * inv * g[j]) }
                            }
                            if lastSlot, let p = r.last { dTable.addRow(Int(ip[p]), g + d) }
                        }
                        return
                    }
                    dTable.accumulateRows { acc in
                        for s in 0..<rows {
                            let g = gp.baseAddress! + s * od
                            let (r, inv) = EmbeddingPool.coefficients(s, offsets: offp, weights: wp, avg: avg)
                            for p in r { acc.add(row: Int(ip[p]), g, scale: (wp?[p] ?? 1) * inv) }
                            if lastSlot, let p = r.last { acc.add(row: Int(ip[p]), g + d) }
                        }
                    }
                }
            }
        }
        flops += 2 * Double(ids.ids.count * d)
    }
}
