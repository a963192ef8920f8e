import Foundation

/// Softmax cross-entropy of the true item against a set of other items:
///
/// - `.full`: every item in the catalogue (exact; small catalogues only);
/// - `.sampled`: k items drawn once per batch from the noise distribution and shared
///   by all samples (TensorFlow / DeepMatch style); a draw equal to the sample's own
///   label is masked out (an "accidental hit");
/// - `.inBatch`: the other samples' labels in the batch.
///
/// With `logQ`, the sampled and in-batch logits are corrected by −log q(item)
/// (Yi et al. 2019; Merlin), which removes the popularity bias of the sampler.
/// Logits are u·w_j/T + b_j. The logits of all candidates are one GEMM.
public final class SoftmaxLoss: OutputLoss {
    public enum Mode: Sendable { case full, sampled, inBatch }
    public let mode: Mode
    public let weight: Parameter
    public let bias: Parameter?
    public let dWeight: Gradient
    public let dBias: Gradient?
    public let logQ: Bool
    public let temperature: Float
    public var noise: [Float]
    public var flops: Double = 0
    public var gradients: [Gradient] { [dWeight] + (dBias.map { [$0] } ?? []) + (items.tower?.gradients ?? []) }

    private let items: ItemCandidates
    /// Full mode: score only these items (and the labels) instead of the whole
    /// catalogue; `Model.restrictFullSoftmax` sets it for an item tower.
    public var candidates: [Int32]? = nil
    private var user: [Float] = []
    private var rows = 0
    private var dLogits: [Float] = []   // rows×U, dL/d(logit) summed over a column's terms

    public init(mode: Mode, weight: Parameter, bias: Parameter?, noise: [Float], logQ: Bool,
                normalize: Bool = false, temperature: Float = 1, tower: ItemTower? = nil) {
        precondition(noise.count == weight.rows && (bias == nil || bias!.count == weight.rows))
        self.mode = mode; self.weight = weight; self.bias = bias; self.noise = noise
        self.logQ = logQ && mode != .full; self.temperature = temperature
        dWeight = Gradient(weight); dBias = bias.map { Gradient($0) }
        items = ItemCandidates(weight: weight, bias: bias, normalize: normalize, tower: tower)
    }

    public func forward(user: [Float], rows: Int, labels: [Int32], negatives: [Int32]) -> Double {
        let d = weight.cols
        precondition(user.count == rows * d && labels.count == rows)
        self.user = user; self.rows = rows
        switch mode {
        case .full:
            if let candidates { items.build(labels + candidates) } else { items.build((0..<Int32(weight.rows))) }
        case .inBatch: items.build(labels)
        case .sampled: items.build(labels + negatives)
        }
        let u = items.count
        var logits = [Float].zeros(rows * u)
        user.withUnsafeBufferPointer { up in
            items.w.withUnsafeBufferPointer { wp in
                logits.withUnsafeMutableBufferPointer { lp in
                    BLAS.gemm(transB: true, m: rows, n: u, k: d, alpha: 1 / temperature,
                              up.baseAddress!, wp.baseAddress!, lp.baseAddress!)
                }
            }
        }
        flops += 2 * Double(rows * u * d)
        // Per-column additive term: bias minus the log-Q correction.
        var shift = items.b
        if logQ { for (s, id) in items.ids.enumerated() { shift[s] -= Foundation.log(max(noise[Int(id)], 1e-30)) } }
        var dl = [Float].zeros(rows * u)
        var total: Double = 0
        // Compact columns of one row's softmax (true item first) and their values, in
        // buffers sized once: at most u columns (full, in-batch) or 1 + k (sampled).
        let negCols: [Int] = mode == .sampled ? negatives.map { items.index($0) } : []
        let cap = mode == .sampled ? 1 + negatives.count : max(u, 1)
        var terms = [Int](repeating: 0, count: cap)
        var z = [Double](repeating: 0, count: cap)
        let labelCols = labels.map { items.index($0) }
        // Every column index below is < u (a compact index of a built id), checked once here.
        precondition(labelCols.allSatisfy { $0 >= 0 && $0 < u } && negCols.allSatisfy { $0 >= 0 && $0 < u }
                     && shift.count == u)
        let mode = mode
        logits.withUnsafeBufferPointer { lp in
            shift.withUnsafeBufferPointer { sp in
                negatives.withUnsafeBufferPointer { np in
                    negCols.withUnsafeBufferPointer { ncp in
                        dl.withUnsafeMutableBufferPointer { dp in
                            terms.withUnsafeMutableBufferPointer { tp in
                                z.withUnsafeMutableBufferPointer { zp in
                                    for i in 0..<rows {
                                        let t = labelCols[i], label = labels[i]
                                        tp[0] = t
                                        var nt = 1
                                        switch mode {
                                        case .full, .inBatch:
                                            for s in 0..<u where s != t { tp[nt] = s; nt &+= 1 }
                                        case .sampled:
                                            for q in 0..<np.count where np[q] != label { tp[nt] = ncp[q]; nt &+= 1 }
                                        }
                                        let lrow = lp.baseAddress! + i * u, drow = dp.baseAddress! + i * u
                                        var mx = -Double.infinity
                                        for m in 0..<nt {
                                            let s = tp[m]
                                            let v = Double(lrow[s] + sp[s])
                                            zp[m] = v; mx = max(mx, v)
                                        }
                                        var sum: Double = 0
                                        for m in 0..<nt { zp[m] = Foundation.exp(zp[m] - mx); sum += zp[m] }
                                        total += Foundation.log(sum) - (Foundation.log(zp[0]))
                                        for m in 0..<nt {
                                            drow[tp[m]] += Float(zp[m] / sum - (m == 0 ? 1 : 0))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        dLogits = dl
        return total
    }

    public func backward(scale: Float) -> [Float] {
        let d = weight.cols, u = items.count
        var du = [Float].zeros(rows * d)
        precondition(dLogits.count == rows * u && items.db.count == u)
        dLogits.withUnsafeBufferPointer { gp in
            items.db.withUnsafeMutableBufferPointer { dbp in
                for i in 0..<rows {
                    let g = gp.baseAddress! + i * u
                    for s in 0..<u { dbp[s] += g[s] }
                }
            }
        }
        dLogits.withUnsafeBufferPointer { gp in
            items.w.withUnsafeBufferPointer { wp in
                du.withUnsafeMutableBufferPointer { dup in
                    BLAS.gemm(m: rows, n: d, k: u, alpha: scale / temperature, gp.baseAddress!, wp.baseAddress!,
                              dup.baseAddress!)
                }
            }
            user.withUnsafeBufferPointer { up in
                items.dw.withUnsafeMutableBufferPointer { dwp in
                    BLAS.gemm(transA: true, m: u, n: d, k: rows, alpha: 1 / temperature, gp.baseAddress!,
                              up.baseAddress!, beta: 1, dwp.baseAddress!)
                }
            }
        }
        flops += 4 * Double(rows * u * d)
        items.scatter(dWeight: dWeight, dBias: dBias, scale: scale)
        return du
    }

    /// Draws k shared negatives for a batch.
    public static func drawNegatives(k: Int, sampler: NegativeSampler, _ rng: inout RNG) -> [Int32] {
        (0..<k).map { _ in sampler.sample(&rng) }
    }
}
