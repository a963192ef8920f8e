import Foundation

/// Self-attention pooling over a sample's ids: each embedding e_p gets the score
/// s_p = q·e_p/√d against a learned query q, the scores are softmaxed over the list
/// (times the id weights, when weighted), and the output is Σ a_p e_p. With q = 0 it
/// is average pooling, so it can only learn to do better than `pool avg`.
public final class AttentionPool: FeatureEncoder {
    public let spec: EncoderSpec
    public let table: Parameter, query: Parameter
    public let dTable: Gradient, dQuery: Gradient
    public var flops: Double = 0
    public var outputDimension: Int { spec.outputDimension }
    public var gradients: [Gradient] { [dTable, dQuery] }

    private var ids = RaggedIDs()
    private var attn: [Float] = []   // per position

    public init(spec: EncoderSpec, table: Parameter, query: Parameter) {
        precondition(table.cols == spec.dim && query.count == spec.dim)
        self.spec = spec; self.table = table; self.query = query
        dTable = Gradient(table); dQuery = Gradient(query)
    }

    public func forward(_ ids: RaggedIDs) -> [Float] {
        self.ids = ids
        let rows = ids.count, d = spec.dim, od = outputDimension
        let scale = 1 / Float(d).squareRoot()
        var out = [Float].zeros(rows * od)
        attn = .zeros(ids.ids.count)
        table.value.withUnsafeBufferPointer { tp in
            query.value.withUnsafeBufferPointer { qp in
                let t = tp.baseAddress!
                for s in 0..<rows {
                    let r = Int(ids.offsets[s]) ..< Int(ids.offsets[s + 1])
                    if r.isEmpty { continue }
                    var mx = -Float.infinity
                    for p in r {
                        attn[p] = Vec.dot(qp.baseAddress!, t + Int(ids.ids[p]) * d, d) * scale
                        mx = max(mx, attn[p])
                    }
                    var total: Double = 0
                    for p in r {
                        attn[p] = Foundation.exp(attn[p] - mx) * (spec.weighted ? (ids.weights?[p] ?? 1) : 1)
                        total += Double(attn[p])
                    }
                    let inv = total > 0 ? Float(1 / total) : 0
                    out.withUnsafeMutableBufferPointer { op in
                        let o = op.baseAddress! + s * od
                        for p in r {
                            attn[p] *= inv
                            Vec.axpy(attn[p], t + Int(ids.ids[p]) * d, o, d)
                        }
                        if spec.lastSlot, let p = r.last {
                            for j in 0..<d { o[d + j] = t[Int(ids.ids[p]) * d + j] }
                        }
                    }
                }
            }
        }
        flops += 4 * Double(ids.ids.count * d)
        return out
    }

    public func backward(_ dOutput: [Float]) {
        let rows = ids.count, d = spec.dim, od = outputDimension
        precondition(dOutput.count == rows * od)
        let scale = 1 / Float(d).squareRoot()
        var dScore = [Float].zeros(ids.ids.count)
        table.value.withUnsafeBufferPointer { tp in
            query.value.withUnsafeBufferPointer { qp in
                dOutput.withUnsafeBufferPointer { gp in
                    let t = tp.baseAddress!
                    for s in 0..<rows {
                        let r = Int(ids.offsets[s]) ..< Int(ids.offsets[s + 1])
                        if r.isEmpty { continue }
                        let g = gp.baseAddress! + s * od
                        // da_p = g·e_p; ds_p = a_p (da_p − Σ a_q da_q)
                        var mean: Float = 0
                        for p in r {
                            dScore[p] = Vec.dot(g, t + Int(ids.ids[p]) * d, d)
                            mean += attn[p] * dScore[p]
                        }
                        for p in r {
                            dScore[p] = attn[p] * (dScore[p] - mean) * scale
                            let row = Int(ids.ids[p])
                            dTable.addRow(row, g, scale: attn[p])
                            dTable.addRow(row, qp.baseAddress!, scale: dScore[p])
                            dQuery.addRow(0, t + row * d, scale: dScore[p])
                        }
                        if spec.lastSlot, let p = r.last { dTable.addRow(Int(ids.ids[p]), g + d) }
                    }
                }
            }
        }
        flops += 8 * Double(ids.ids.count * d)
    }
}
