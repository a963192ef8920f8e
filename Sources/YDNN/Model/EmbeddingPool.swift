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

    public init(spec: EncoderSpec, table: Parameter) {
        precondition(table.cols == spec.dim)
        self.spec = spec; self.table = table
        dTable = Gradient(table)
    }

    /// Per-position pooling weight: the id weight (if weighted) divided by the list's total for avg.
    private func coefficients(_ s: Int) -> (range: Range<Int>, coef: (Int) -> Float) {
        let r = Int(ids.offsets[s]) ..< Int(ids.offsets[s + 1])
        let w = spec.weighted ? ids.weights : nil
        var total: Float = 0
        if spec.pool == .avg {
            if let w { for p in r { total += w[p] } } else { total = Float(r.count) }
        }
        let inv: Float = spec.pool == .avg ? (total != 0 ? 1 / total : 0) : 1
        return (r, { p in (w?[p] ?? 1) * inv })
    }

    public func forward(_ ids: RaggedIDs) -> [Float] {
        self.ids = ids
        let rows = ids.count, d = spec.dim, od = outputDimension
        output = .zeros(rows * od)
        if spec.pool == .max { argmax = [Int32](repeating: -1, count: rows * d) }
        table.value.withUnsafeBufferPointer { tp in
            output.withUnsafeMutableBufferPointer { op in
                let t = tp.baseAddress!
                for s in 0..<rows {
                    let o = op.baseAddress! + s * od
                    let (r, coef) = coefficients(s)
                    if spec.pool == .max {
                        for p in r {
                            let e = t + Int(ids.ids[p]) * d
                            let c = coef(p)
                            for j in 0..<d {
                                let v = c * e[j]
                                if argmax[s * d + j] < 0 || v > o[j] { o[j] = v; argmax[s * d + j] = Int32(p) }
                            }
                        }
                    } else {
                        for p in r { Vec.axpy(coef(p), t + Int(ids.ids[p]) * d, o, d) }
                    }
                    if spec.lastSlot, let p = r.last {
                        let e = t + Int(ids.ids[p]) * d
                        for j in 0..<d { o[d + j] = e[j] }
                    }
                }
            }
        }
        flops += 2 * Double(ids.ids.count * d)
        return output
    }

    public func backward(_ dOutput: [Float]) {
        let rows = ids.count, d = spec.dim, od = outputDimension
        precondition(dOutput.count == rows * od)
        dOutput.withUnsafeBufferPointer { gp in
            for s in 0..<rows {
                let g = gp.baseAddress! + s * od
                let (r, coef) = coefficients(s)
                if spec.pool == .max {
                    for j in 0..<d {
                        let p = Int(argmax[s * d + j])
                        if p >= 0 { dTable.add(row: Int(ids.ids[p]), col: j, coef(p) * g[j]) }
                    }
                } else {
                    for p in r { dTable.addRow(Int(ids.ids[p]), g, scale: coef(p)) }
                }
                if spec.lastSlot, let p = r.last { dTable.addRow(Int(ids.ids[p]), g + d) }
            }
        }
        flops += 2 * Double(ids.ids.count * d)
    }
}
